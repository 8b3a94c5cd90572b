# ReduceNet stage 1 on the digits demo (200 training images): the reduce20
# teacher, width 1, expansion 1.
_base_ = [
    '../_base_/models/reducenet_cifar.py',
    '../_base_/datasets/digits_20per_class_bs64.py',
    '../_base_/schedules/digits_sgd_cosine_80e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.reduce_teacher}}
