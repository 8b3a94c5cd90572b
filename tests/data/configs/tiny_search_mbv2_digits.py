# Structure learning search on a tiny, untrained CIFAR MobileNetV2 with the
# MobileNetV2-family candidates, for the tests (teacher_ckpt is given by the
# test).
_base_ = ['./tiny_teacher_digits.py']
model = dict(
    _delete_=True,
    type='ImageClassifier',
    backbone=dict(type='ReduceMobileNetV2', widen_factor=0.25,
                  last_channels=32),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=32,
              loss=dict(type='CrossEntropyLoss')))
search = dict(
    teacher_ckpt='set-by-the-test.pth',
    candidates=[
        dict(type='ReducedInvertedResidual', ratio=1.0, kernel_size=5),
        dict(type='ReducedInvertedResidual', ratio=0.5),
        dict(type='ReducedInvertedResidual', ratio=1 / 6),
        dict(type='SkipBlock'),
    ],
    iters=2,
    batch_size=8,
    uniform_baseline='ReducedInvertedResidual',
)
train_cfg = dict(max_epochs=1)
