# A tiny ReduceNet teacher (depth 8: one block per stage) for the tests.
_base_ = [
    '../../../configs/reducenet/reduce20-w1-e1-teacher_1xb64_digits.py',
]
model = dict(backbone=dict(depth=8))
train_dataloader = dict(batch_size=8, dataset=dict(per_class=2))
param_scheduler = dict(T_max=1)
train_cfg = dict(max_epochs=1, val_interval=1)
