# mmpretrain's full-width CIFAR ResNet-50 and ResNet-18 (ResNet_CIFAR: 3x3
# stem, no max-pool), 10 classes: the models of mmpretrain's
# _base_/models/resnet50_cifar.py and resnet18_cifar.py, i.e. MMRazor's
# Factor Transfer teacher and student. Named variables:
# {{_base_.resnet50_cifar}}, {{_base_.resnet18_cifar}}.
resnet50_cifar = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=50, num_stages=4,
                  out_indices=(3, ), style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=2048,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
resnet18_cifar = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, num_stages=4,
                  out_indices=(3, ), style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=512,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
