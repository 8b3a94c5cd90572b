# ReduceNet stage 1 on CIFAR-10, reduce20 at width 4.
_base_ = ['./reduce20-w1-e1-teacher_1xb128_cifar10.py']
model = dict(backbone=dict(width=4), head=dict(in_channels=256))
