# ReduceNet stage 1 on CIFAR-10, reduce56 (9-9-9 blocks) at width 1.
_base_ = ['./reduce20-w1-e1-teacher_1xb128_cifar10.py']
model = dict(backbone=dict(depth=56, width=1), head=dict(in_channels=64))
