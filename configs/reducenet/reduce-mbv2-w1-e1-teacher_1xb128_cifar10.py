# ReduceNet stage 1 on CIFAR-10 with MobileNetV2 blocks (the CIFAR
# MobileNetV2, width 1, with ReduceNet's branch beside every projection
# conv1x1, expansion 1: 3,433,610 params, 136.7M MAdds) and ReduceNet's
# schedule: SGD 0.1, momentum 0.9, nesterov, wd 1e-4, cosine over 200
# epochs, batch 128, RandomCrop 32 pad 4 + horizontal flip. Not run here
# (no CIFAR on this project's machines).
_base_ = [
    '../_base_/models/reducenet_mobilenet_v2.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/sgd_cosine_200e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.mbv2_w1_teacher}}
