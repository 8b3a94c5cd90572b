# The reduce56 w1 student on CIFAR-10 (alone, or as deploy config).
_base_ = ['./reduce20-w1-student_1xb128_cifar10.py']
model = dict(backbone=dict(depth=56, width=1), head=dict(in_channels=64))
