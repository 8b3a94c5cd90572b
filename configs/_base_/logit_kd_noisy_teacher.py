# [2] Noisy teacher (Sau & Balasubramanian, "Deep Model Compression:
# Distilling Knowledge from Noisy Teachers", https://arxiv.org/abs/1610.09650):
# logit regression as in [1], but in every batch a random half of the
# samples (noisy_ratio 0.5) get teacher logits z * (1 + xi),
# xi ~ N(0, 0.1^2) (sigma 0.1, the seed README's run); a config adds the
# pair and the teacher checkpoint:
#   model = dict(architecture=..., teacher=..., teacher_ckpt=...)
# The seed's code multiplies by mask * xi (no "1 +") and defaults to sigma
# 0.9; NoisyTeacherLoss follows the paper's formula (see its docstring).
# Noise is drawn from torch's global RNG: set by randomness.seed, restored on
# --resume by RNGStateHook.
model = dict(
    type='StrictTeacherDistill',
    student_loss_weight=0.0,  # labels unused, as in the seed
    distiller=dict(
        type='LogitDistiller',
        losses=dict(
            loss_noisy=dict(type='NoisyTeacherLoss', noisy_ratio=0.5,
                            sigma=0.1, loss_weight=0.5,
                            reduction='batchmean'))))
find_unused_parameters = False
