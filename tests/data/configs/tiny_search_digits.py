# Structure learning search on the tiny teacher of tiny_teacher_digits.py,
# for the tests (teacher_ckpt is given on the command line).
_base_ = ['./tiny_teacher_digits.py']
search = dict(
    teacher_ckpt='set-by-the-test.pth',
    candidates=[
        dict(type='ReducedWidth', ratio=0.5),
        dict(type='DepthwiseSeparable', ratio=0.5),
    ],
    iters=4,
    batch_size=8,
)
train_cfg = dict(max_epochs=1)
