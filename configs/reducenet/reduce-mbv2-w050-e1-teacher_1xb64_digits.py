# ReduceNet stage 1 on the digits demo (200 training images) with
# MobileNetV2 blocks: the CIFAR MobileNetV2 at width 0.5 (last conv 320
# channels) whose blocks carry ReduceNet's branch beside the projection
# conv1x1 (expansion 1): 837,610 params, 40.1M MAdds.
_base_ = [
    '../_base_/models/reducenet_mobilenet_v2.py',
    '../_base_/datasets/digits_20per_class_bs64.py',
    '../_base_/schedules/digits_sgd_cosine_80e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.mbv2_w050_teacher}}
