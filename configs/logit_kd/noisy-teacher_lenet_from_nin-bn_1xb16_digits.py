# [2] Noisy teacher (Sau & Balasubramanian, "Deep Model Compression:
# Distilling Knowledge from Noisy Teachers", https://arxiv.org/abs/1610.09650):
# logit regression as in [1], but in every batch a random half of the
# samples (noisy_ratio 0.5) get teacher logits z * (1 + xi),
# xi ~ N(0, 0.1^2) (sigma 0.1, the seed README's run), digits demo.
# The seed's code multiplies by mask * xi (no "1 +") and defaults to sigma
# 0.9; NoisyTeacherLoss follows the paper's formula (see its docstring).
# Noise is drawn from torch's global RNG: set by randomness.seed, restored on
# --resume by RNGStateHook.
_base_ = [
    '../_base_/models/nin_lenet.py',
    '../_base_/datasets/digits_20per_class_bs16.py',
    '../_base_/schedules/digits_adam_step_60e.py',
    '../_base_/default_runtime.py',
]
# Written by `tools/dist_train.sh ... configs/logit_kd/nin-bn_1xb16_digits.py
# work_dirs/nin-bn_1xb16_digits` (the teacher config's default work dir).
teacher_ckpt = 'work_dirs/nin-bn_1xb16_digits/epoch_30.pth'

model = dict(
    type='StrictTeacherDistill',
    architecture={{_base_.lenet_student}},
    teacher={{_base_.nin_bn_teacher}},
    teacher_ckpt=teacher_ckpt,
    student_loss_weight=0.0,  # labels unused, as in the seed
    distiller=dict(
        type='LogitDistiller',
        losses=dict(
            loss_noisy=dict(type='NoisyTeacherLoss', noisy_ratio=0.5,
                            sigma=0.1, loss_weight=0.5,
                            reduction='batchmean'))))

find_unused_parameters = False
