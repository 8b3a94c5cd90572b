# The plain CIFAR MobileNetV2, width 1 (2,236,682 params, 91.3M MAdds), on
# CIFAR-10 alone with ReduceNet's schedule; also the deploy config of a
# fused stage-2 student. Not run here (no CIFAR on this project's machines).
_base_ = [
    '../_base_/models/reducenet_mobilenet_v2.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/sgd_cosine_200e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.mbv2_w1_student}}
