# [1] Logit regression (Ba & Caruana, "Do Deep Nets Really Need to be Deep?",
# NIPS 2014, https://arxiv.org/abs/1312.6184): the student regresses the
# frozen teacher's logits; a config adds the pair and the teacher checkpoint:
#   model = dict(architecture=..., teacher=..., teacher_ckpt=...)
# As in the seed (chengshengchan/model_compression, teacher-student.py):
# loss = tf.nn.l2_loss(t - s) / batch = 0.5 * sum of squares / batch, i.e.
# LogitRegressionLoss(reduction='batchmean', loss_weight=0.5); the labels are
# not used (student_loss_weight=0: the student's CE is logged, times 0).
model = dict(
    type='StrictTeacherDistill',
    student_loss_weight=0.0,
    distiller=dict(
        type='LogitDistiller',
        losses=dict(
            loss_logit=dict(type='LogitRegressionLoss', loss_weight=0.5,
                            reduction='batchmean'))))
find_unused_parameters = False
