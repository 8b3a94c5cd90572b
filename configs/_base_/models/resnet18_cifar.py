# mmpretrain's ResNet-18 for 32x32 inputs (ResNet_CIFAR: 3x3 stem, no
# max-pool) at reduced widths. Named variables, so a distillation config can
# take a teacher and a student from this one file: {{_base_.resnet18_w16}}.
resnet18_w16 = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=16,
                  base_channels=16),  # stages of 16/32/64/128 channels
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=128,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
resnet18_w8 = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=8,
                  base_channels=8),  # stages of 8/16/32/64 channels
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
