# [1] Logit regression (Ba & Caruana, "Do Deep Nets Really Need to be Deep?",
# NIPS 2014, https://arxiv.org/abs/1312.6184): the LeNet student regresses
# the frozen NiN teacher's logits, on CIFAR-10.
# As in the seed (chengshengchan/model_compression, teacher-student.py):
# loss = tf.nn.l2_loss(t - s) / batch = 0.5 * sum of squares / batch, i.e.
# LogitRegressionLoss(reduction='batchmean', loss_weight=0.5); the labels are
# not used (student_loss_weight=0: the student's CE is logged, times 0).
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
    student_loss_weight=0.0,
    distiller=dict(
        type='LogitDistiller',
        losses=dict(
            loss_logit=dict(type='LogitRegressionLoss', loss_weight=0.5,
                            reduction='batchmean'))))

# The seed's data and schedule: batch 256, no data augmentation, Adam lr 1e-3,
# 100 epochs, x0.1 at epoch 80. The seed ran its frozen teacher with dropout
# (0.8 in its README's run); the teacher here is frozen in eval mode.
train_dataloader = dict(batch_size=256,
                        dataset=dict(pipeline=[dict(type='PackInputs')]))

find_unused_parameters = False
