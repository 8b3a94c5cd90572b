# The logit KD teacher (Network in Network with BatchNorm, see
# _base_/models/nin_lenet.py) trained alone, digits demo: 20 training images
# per class (fixed subset, subset_seed 0), batch 16, the seed's Adam schedule
# shape (lr 1e-3, x0.1 after 80% of the epochs) over 30 epochs (x0.1 at 24).
# The distillation configs read its last checkpoint:
#   work_dirs/nin-bn_1xb16_digits/epoch_30.pth
_base_ = [
    '../_base_/models/nin_lenet.py',
    '../_base_/datasets/digits_20per_class_bs16.py',
    '../_base_/schedules/digits_adam_step_60e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.nin_bn_teacher}}
param_scheduler = dict(milestones=[24])
train_cfg = dict(max_epochs=30, val_interval=5)
