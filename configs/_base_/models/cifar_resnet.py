# Plain CIFAR ResNets of depth 6n + 2 (He et al. 2016, section 4.2) in the
# layout of Factor Transfer's official code (Jangho-Kim/
# Factor-Transfer-pytorch, Models/resnet.py: conv3x3 stem of 16 channels,
# stages of 16/32/64 channels, conv1x1-BN shortcuts), on mmpretrain's ResNet
# blocks (reducekd CifarResNet).
# Named variables, so a distillation config takes both from this file:
# {{_base_.resnet56}}. Parameters (10 classes): resnet20 272,474,
# resnet56 855,770.
resnet20 = dict(
    type='ImageClassifier',
    backbone=dict(type='CifarResNet', depth=20),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
resnet56 = dict(
    type='ImageClassifier',
    backbone=dict(type='CifarResNet', depth=56),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
