# An overlay that trains any of mmrazor's classification distillation
# configs (and the mmpretrain configs of their teachers and students) for a
# few epochs on the low-data digits of GUIDE §4, where distillation shows:
#
#   python tools/train.py mmrazor::distill/mmcls/kd/kd_logits_resnet34_resnet18_8xb32_in1k.py \
#       --cfg-options overlay=configs/mmrazor_zoo/digits_low_data.py \
#       model.teacher_ckpt=TEACHER.pth train_cfg.max_epochs=10
#
# `tools/run_digits_experiments.py --methods mmrazor_zoo` runs KD, DKD, DIST
# and Factor Transfer this way, teachers and students alone included. It
# substitutes
# * the data: reducekd's Digits, 20 training images per class (200, subset
#   seed 0) with the digits' augmentation (RandomCrop 32 with padding 4),
#   batches of 32, the whole 360-image test split for validation and test;
# * the schedule: 10 epochs at the config's optimizer (its learning rate
#   scaled to this batch, below), no learning-rate
#   schedulers (the zoo's steps begin long after 10 epochs), validation
#   every epoch, and one checkpoint (the last) kept.
# The models (at 32x32), data preprocessors, optimizers, losses and
# distillers stay the config's. Teacher weights are yours to pass: train
# the teacher's own config with this overlay first.
train_dataloader = dict(
    _delete_=True,
    batch_size=32,
    num_workers=0,
    dataset=dict(
        _scope_='reducekd',
        type='Digits',
        split='train',
        per_class=20,
        subset_seed=0,
        pipeline=[
            dict(type='RandomCrop', crop_size=32, padding=4),
            dict(type='PackInputs'),
        ]),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    _delete_=True,
    batch_size=64,
    num_workers=0,
    dataset=dict(
        _scope_='reducekd',
        type='Digits',
        split='test',
        pipeline=[dict(type='PackInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_dataloader = val_dataloader
train_cfg = dict(_delete_=True, by_epoch=True, max_epochs=10, val_interval=1)
param_scheduler = []
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1))
# The zoo's learning rates are for its total batch (8 GPUs x 32, or x 16):
# scale them linearly to this batch (the OpenMMLab rule, mmengine's
# auto_scale_lr against the config's own base_batch_size), else DKD's loss
# overflows at 8x the intended rate within two iterations.
auto_scale_lr = dict(enable=True)
