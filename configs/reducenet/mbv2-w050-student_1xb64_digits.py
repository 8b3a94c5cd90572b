# The plain CIFAR MobileNetV2 at width 0.5 (last conv 320 channels) alone:
# trained from scratch (the baseline ReduceNet must beat), and the config a
# fused stage-2 student is tested with. 535,370 params, 27.3M MAdds.
_base_ = [
    '../_base_/models/reducenet_mobilenet_v2.py',
    '../_base_/datasets/digits_20per_class_bs64.py',
    '../_base_/schedules/digits_sgd_cosine_80e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.mbv2_w050_student}}
