# The KD demo's student trained alone: ResNet-18 at half the teacher's width.
_base_ = [
    '../_base_/models/resnet18_cifar.py',
    '../_base_/datasets/digits_bs64.py',
    '../_base_/schedules/digits_sgd_cosine_15e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.resnet18_w8}}
