# Teacher of the structure-learning demo: the CIFAR ResNet-20 (272,474
# parameters, 41.2M MAdds at 32x32) on the digits, 20 training images per
# class, 80 epochs of ReduceNet's SGD schedule.
_base_ = [
    '../_base_/models/cifar_resnet.py',
    '../_base_/datasets/digits_20per_class_bs64.py',
    '../_base_/schedules/digits_sgd_cosine_80e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.resnet20}}
