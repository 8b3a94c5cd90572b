# The logit KD teacher (Network in Network) trained alone, digits demo: 20
# training images per class (fixed subset, subset_seed 0), the seed's Adam
# schedule shape (lr 1e-3, x0.1 after 80% of the epochs).
# Batch 32 rather than the students' 64: NiN has no normalisation layers and
# sits at chance (loss ~ln 10) for its first ~40 Adam steps whatever the
# batch, so it is the number of steps that counts; 50 epochs of 7 steps
# (350) is about the fewest that trains it well on 2 CPU cores.
# The distillation configs read its last checkpoint:
#   work_dirs/nin_1xb32_digits/epoch_50.pth
_base_ = [
    '../_base_/models/nin_lenet.py',
    '../_base_/datasets/digits_20per_class_bs64.py',
    '../_base_/schedules/digits_adam_step_30e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.nin_teacher}}
train_dataloader = dict(batch_size=32)
param_scheduler = dict(milestones=[40])
train_cfg = dict(max_epochs=50, val_interval=10)
auto_scale_lr = dict(base_batch_size=32)
