# The reduce20 w2 student on CIFAR-10 (alone, or as deploy config).
_base_ = ['./reduce20-w1-student_1xb128_cifar10.py']
model = dict(backbone=dict(width=2), head=dict(in_channels=128))
