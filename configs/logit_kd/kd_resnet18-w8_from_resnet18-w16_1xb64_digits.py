# [3] Hinton KD (https://arxiv.org/abs/1503.02531) with reducekd's KDLoss and
# the logit KD seed's lambda 0.3 / tau 0.3 on another pair, to show the loss
# is generic: ResNet-18 w8 student from the ResNet-18 w16 teacher of
# configs/resnet/ (all 1,437 training digits, the 15-epoch SGD cosine
# schedule of configs/kd/; configs/kd/ has the same pair with ReduceNet's
# alpha 0.7, T 5 through mmrazor's KLDivergence).
#   loss = lambda * CE(labels) + (1 - lambda) * tau^2 * KL(p_T^tau || p_S^tau)
_base_ = [
    '../_base_/models/resnet18_cifar.py',
    '../_base_/datasets/digits_bs64.py',
    '../_base_/schedules/digits_sgd_cosine_15e.py',
    '../_base_/default_runtime.py',
]
lamda = 0.3  # weight of the cross-entropy on labels (the seed's --lamda)
tau = 0.3  # temperature (the seed's --tau)
# Written by `tools/dist_train.sh ...
# configs/resnet/resnet18-w16_1xb64_digits.py
# work_dirs/resnet18-w16_1xb64_digits` (the teacher config's default work dir).
teacher_ckpt = 'work_dirs/resnet18-w16_1xb64_digits/epoch_15.pth'

model = dict(
    type='StrictTeacherDistill',
    architecture={{_base_.resnet18_w8}},
    teacher={{_base_.resnet18_w16}},
    teacher_ckpt=teacher_ckpt,
    student_loss_weight=lamda,
    distiller=dict(
        type='LogitDistiller',
        losses=dict(
            loss_kd=dict(type='KDLoss', tau=tau, loss_weight=1 - lamda,
                         reduction='batchmean'))))

find_unused_parameters = False
