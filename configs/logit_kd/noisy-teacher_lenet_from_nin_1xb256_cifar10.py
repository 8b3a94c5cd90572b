# [2] Noisy teacher (Sau & Balasubramanian, "Deep Model Compression:
# Distilling Knowledge from Noisy Teachers", https://arxiv.org/abs/1610.09650):
# logit regression as in [1], but in every batch a random half of the
# samples (noisy_ratio 0.5) get teacher logits z * (1 + xi),
# xi ~ N(0, 0.1^2) (sigma 0.1, the seed README's run), on CIFAR-10.
# The seed's code multiplies by mask * xi (no "1 +") and defaults to sigma
# 0.9; NoisyTeacherLoss follows the paper's formula (see its docstring).
# Noise is drawn from torch's global RNG: set by randomness.seed, restored on
# --resume by RNGStateHook.
_base_ = [
    '../_base_/models/nin_lenet.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/adam_step80_100e.py',
    '../_base_/default_runtime.py',
]
# Written by `tools/dist_train.sh ... configs/logit_kd/nin_1xb256_cifar10.py
# work_dirs/nin_1xb256_cifar10` (the teacher config's default work dir).
teacher_ckpt = 'work_dirs/nin_1xb256_cifar10/epoch_100.pth'

model = dict(
    type='StrictTeacherDistill',
    architecture={{_base_.lenet_student}},
    teacher={{_base_.nin_teacher}},
    teacher_ckpt=teacher_ckpt,
    student_loss_weight=0.0,  # labels unused, as in the seed
    distiller=dict(
        type='LogitDistiller',
        losses=dict(
            loss_noisy=dict(type='NoisyTeacherLoss', noisy_ratio=0.5,
                            sigma=0.1, loss_weight=0.5,
                            reduction='batchmean'))))

# The seed's data and schedule: batch 256, no data augmentation, Adam lr 1e-3,
# 100 epochs, x0.1 at epoch 80. The seed ran its frozen teacher with dropout
# (0.8 in its README's run); the teacher here is frozen in eval mode.
train_dataloader = dict(batch_size=256,
                        dataset=dict(pipeline=[dict(type='PackInputs')]))

find_unused_parameters = False
