# [3] Hinton KD (Hinton, Vinyals, Dean, "Distilling the Knowledge in a
# Neural Network", https://arxiv.org/abs/1503.02531) with the logit KD seed's
# lambda 0.3 and tau 0.3; a config adds the pair and the teacher checkpoint:
#   model = dict(architecture=..., teacher=..., teacher_ckpt=...)
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
lamda = 0.3  # weight of the cross-entropy on labels (the seed's --lamda)
tau = 0.3  # temperature (the seed's --tau)
model = dict(
    type='StrictTeacherDistill',
    student_loss_weight=lamda,
    distiller=dict(
        type='LogitDistiller',
        losses=dict(
            loss_kd=dict(type='KDLoss', tau=tau, loss_weight=1 - lamda,
                         reduction='batchmean'))))
find_unused_parameters = False
