# Hinton KD between two tiny ResNets, for the tool tests.
_base_ = ['./tiny_teacher_digits.py']
teacher = {{_base_.model}}
model = dict(
    _delete_=True,
    type='StrictTeacherDistill',
    architecture=dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=2,
                      base_channels=2),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=16,
                  loss=dict(type='CrossEntropyLoss'))),
    teacher=teacher,
    teacher_ckpt='set-by-the-test.pth',
    student_loss_weight=0.3,
    distiller=dict(
        type='LogitDistiller',
        losses=dict(
            loss_kd=dict(type='KLDivergence', tau=5, loss_weight=0.7,
                         reduction='batchmean'))))
