# The logit KD teacher (Network in Network) trained alone, digits demo: 20
# training images per class (fixed subset, subset_seed 0), the seed's Adam
# schedule shape (lr 1e-3, x0.1 after 80% of the epochs: 30 epochs, x0.1 at
# 24), no dropout.
# NiN has no normalisation layers and sits at chance (loss ~ln 10) for its
# first ~40 Adam steps whatever the batch; what it needs is steps, so batch 16
# (13 steps an epoch, 390 in all) rather than the students' 64, and no
# dropout (see _base_/models/nin_lenet.py), to train in minutes on 2 cores.
# The distillation configs read its last checkpoint:
#   work_dirs/nin_1xb16_digits/epoch_30.pth
_base_ = [
    '../_base_/models/nin_lenet.py',
    '../_base_/datasets/digits_20per_class_bs64.py',
    '../_base_/schedules/digits_adam_step_20e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.nin_teacher_no_dropout}}
train_dataloader = dict(batch_size=16)
param_scheduler = dict(milestones=[24])
train_cfg = dict(max_epochs=30, val_interval=10)
auto_scale_lr = dict(base_batch_size=16)
