# ReduceNet stage 2 on CIFAR-10, reduce56 at width 2.
_base_ = [
    './reducenet_reduce20-w1-student_from_reduce20-w1-e1-teacher_1xb128_cifar10.py'
]
model = dict(
    architecture=dict(
        backbone=dict(depth=56, width=2), head=dict(in_channels=128)),
    teacher=dict(
        backbone=dict(depth=56, width=2), head=dict(in_channels=128)),
    teacher_ckpt='work_dirs/reduce56-w2-e1-teacher_1xb128_cifar10/'
    'epoch_200.pth')
