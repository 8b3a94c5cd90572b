# The reduce20 w1 student alone: trained from scratch (the baseline ReduceNet
# must beat), and the config a fused stage-2 student is tested with.
_base_ = [
    '../_base_/models/reducenet_cifar.py',
    '../_base_/datasets/digits_20per_class_bs64.py',
    '../_base_/schedules/digits_sgd_cosine_80e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.reduce_student}}
