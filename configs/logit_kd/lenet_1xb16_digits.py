# The logit KD student (the seed's widened LeNet) trained alone on labels,
# digits demo: 20 training images per class (fixed subset), the seed's Adam
# schedule over 60 epochs of batch 16 (x0.1 at 48).
_base_ = [
    '../_base_/models/nin_lenet.py',
    '../_base_/datasets/digits_20per_class_bs16.py',
    '../_base_/schedules/digits_adam_step_60e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.lenet_student}}
