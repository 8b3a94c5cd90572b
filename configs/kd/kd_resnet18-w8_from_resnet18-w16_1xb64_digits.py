# Hinton KD (https://arxiv.org/abs/1503.02531) through mmrazor's
# SingleTeacherDistill: ResNet-18 w8 student from the ResNet-18 w16 teacher
# trained by configs/resnet/resnet18-w16_1xb64_digits.py.
# Loss = (1 - alpha) * CE + alpha * T^2 * KL(teacher_T || student_T),
# alpha = 0.7, T = 5 (ReduceNet's settings), KL averaged per sample.
_base_ = [
    '../_base_/models/resnet18_cifar.py',
    '../_base_/datasets/digits_bs64.py',
    '../_base_/schedules/digits_sgd_cosine_15e.py',
    '../_base_/default_runtime.py',
]
alpha = 0.7
teacher_ckpt = 'work_dirs/resnet18-w16_1xb64_digits/epoch_15.pth'

model = dict(
    type='StrictTeacherDistill',
    architecture={{_base_.resnet18_w8}},
    student_loss_weight=1 - alpha,
    teacher={{_base_.resnet18_w16}},
    teacher_ckpt=teacher_ckpt,
    distiller=dict(
        type='LogitDistiller',
        losses=dict(
            loss_kd=dict(type='KLDivergence', tau=5, loss_weight=alpha,
                         reduction='batchmean'))))

find_unused_parameters = False
