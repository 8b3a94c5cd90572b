# The reduce20 w1 student on CIFAR-10 (trained alone, and the deploy config
# of a fused stage-2 student). Reference: 272.5K params, 40.8M MAdds.
_base_ = [
    '../_base_/models/reducenet_cifar.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/sgd_cosine_200e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.reduce_student}}
