# ReduceNet stage 2 with a LoRA branch on the tiny teacher, for the tests.
_base_ = [
    '../../../configs/reducenet/reducenet-lora_reduce20-w1-student_from_'
    'reduce20-w1-e1-teacher_1xb64_digits.py'
]
model = dict(
    architecture=dict(backbone=dict(depth=8)),
    teacher=dict(backbone=dict(depth=8)),
    teacher_ckpt='set-by-the-test.pth')
train_dataloader = dict(batch_size=8, dataset=dict(per_class=2))
param_scheduler = dict(T_max=1)
train_cfg = dict(max_epochs=1, val_interval=1)
