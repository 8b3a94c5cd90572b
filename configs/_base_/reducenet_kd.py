# ReduceNet stage 2 without the models: the student inherits the stage-1
# teacher's weights and is distilled from it with KD on the logits:
#   (1 - alpha) * CE + alpha * T^2 * KL(softmax(t / T) || softmax(s / T))
# alpha 0.7 and T 5 as in the reference. The reference's nn.KLDivLoss()
# averages over classes too (reduction 'mean' = 'batchmean' / num_classes);
# the configs say which they use. A config adds model.architecture and
# model.teacher (reducenet_stage2.py: the CIFAR ResNets).
alpha = 0.7
model = dict(
    type='ReduceNetDistill',
    student_loss_weight=1 - alpha,
    distiller=dict(
        type='LogitDistiller',
        losses=dict(
            loss_kd=dict(type='KDLoss', tau=5, loss_weight=alpha,
                         reduction='batchmean'))))
