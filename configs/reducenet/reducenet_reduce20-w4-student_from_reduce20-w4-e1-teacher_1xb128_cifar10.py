# ReduceNet stage 2 on CIFAR-10, reduce20 at width 4.
_base_ = [
    './reducenet_reduce20-w1-student_from_reduce20-w1-e1-teacher_1xb128_cifar10.py'
]
model = dict(
    architecture=dict(backbone=dict(width=4), head=dict(in_channels=256)),
    teacher=dict(backbone=dict(width=4), head=dict(in_channels=256)),
    teacher_ckpt='work_dirs/reduce20-w4-e1-teacher_1xb128_cifar10/'
    'epoch_200.pth')
