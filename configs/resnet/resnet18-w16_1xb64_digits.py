# Teacher of the KD demo: ResNet-18 (w16, 0.70M parameters) on the digits.
_base_ = [
    '../_base_/models/resnet18_cifar.py',
    '../_base_/datasets/digits_bs64.py',
    '../_base_/schedules/digits_sgd_cosine_15e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.resnet18_w16}}
