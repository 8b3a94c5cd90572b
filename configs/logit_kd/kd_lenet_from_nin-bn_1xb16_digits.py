# [3] Hinton KD (Hinton, Vinyals, Dean, "Distilling the Knowledge in a
# Neural Network", https://arxiv.org/abs/1503.02531), with the seed's
# lambda 0.3 and tau 0.3, digits demo (20 images per class):
#   loss = lambda * CE(labels) + (1 - lambda) * tau^2 * KL(p_T^tau || p_S^tau)
# In the seed (chengshengchan/model_compression, teacher-student.py, --KD),
# lambda weights the hard-label term and 1 - lambda the soft term:
#   (lamda * sum(sigmoid_CE(s / tau, onehot))
#    + (1 - lamda) * sum(0.5 * (s / tau - t / tau)^2)) / batch
# i.e. its "KD" soft term is a squared error of the tau-scaled logits and its
# hard term a sigmoid (not softmax) cross-entropy. Here the two are Hinton's
# softmax CE and T^2-scaled KL (KDLoss, per-sample mean), keeping the seed's
# lambda and tau. tau = 0.3 < 1 sharpens the distributions (T^2 = 0.09).
# The seed README's run says tau 0.3; its code's default is 3.0.
_base_ = [
    '../_base_/models/nin_lenet.py',
    '../_base_/datasets/digits_20per_class_bs16.py',
    '../_base_/schedules/digits_adam_step_60e.py',
    '../_base_/default_runtime.py',
]
lamda = 0.3  # weight of the cross-entropy on labels (the seed's --lamda)
tau = 0.3  # temperature (the seed's --tau)
# Written by `tools/dist_train.sh ... configs/logit_kd/nin-bn_1xb16_digits.py
# work_dirs/nin-bn_1xb16_digits` (the teacher config's default work dir).
teacher_ckpt = 'work_dirs/nin-bn_1xb16_digits/epoch_30.pth'

model = dict(
    type='StrictTeacherDistill',
    architecture={{_base_.lenet_student}},
    teacher={{_base_.nin_bn_teacher}},
    teacher_ckpt=teacher_ckpt,
    student_loss_weight=lamda,
    distiller=dict(
        type='LogitDistiller',
        losses=dict(
            loss_kd=dict(type='KDLoss', tau=tau, loss_weight=1 - lamda,
                         reduction='batchmean'))))

find_unused_parameters = False
