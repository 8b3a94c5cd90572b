# [1] Logit regression (Ba & Caruana, "Do Deep Nets Really Need to be Deep?",
# NIPS 2014, https://arxiv.org/abs/1312.6184): the LeNet student regresses
# the frozen NiN teacher's logits, digits demo (20 images per class).
# As in the seed (chengshengchan/model_compression, teacher-student.py):
# loss = tf.nn.l2_loss(t - s) / batch = 0.5 * sum of squares / batch, i.e.
# LogitRegressionLoss(reduction='batchmean', loss_weight=0.5); the labels are
# not used (student_loss_weight=0: the student's CE is logged, times 0).
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
    student_loss_weight=0.0,
    distiller=dict(
        type='LogitDistiller',
        losses=dict(
            loss_logit=dict(type='LogitRegressionLoss', loss_weight=0.5,
                            reduction='batchmean'))))

find_unused_parameters = False
