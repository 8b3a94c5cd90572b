# MobileNetV2 for 32x32 images (reducekd.ReduceMobileNetV2: stem and second
# stage at stride 1), 10 classes. *_teacher: ReduceNet's teacher (a
# non-linear branch beside every projection conv1x1, expansion 1); *_student:
# the plain MobileNetV2, a subnetwork of it. Named variables, so a stage-2
# config takes both from this file: {{_base_.mbv2_w1_teacher}}.
#
# mbv2_w1_*: the full network, width 1, last conv 1280 channels (CIFAR):
#   student 2,236,682 params / 91.3M MAdds, teacher 3,433,610 / 136.7M.
# mbv2_w050_*: the digits demo, width 0.5 and a last conv of 320 channels
#   (instead of 1280, which would hold a third of the parameters and
#   make params=0.2 unreachable for structure learning): student 535,370
#   params / 27.3M MAdds, teacher 837,610 / 40.1M.
mbv2_w1_teacher = dict(
    type='ImageClassifier',
    backbone=dict(type='ReduceMobileNetV2', widen_factor=1.0, expansion=1,
                  with_bottleneck=True),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=1280,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
mbv2_w1_student = dict(
    type='ImageClassifier',
    backbone=dict(type='ReduceMobileNetV2', widen_factor=1.0,
                  with_bottleneck=False),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=1280,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
mbv2_w050_teacher = dict(
    type='ImageClassifier',
    backbone=dict(type='ReduceMobileNetV2', widen_factor=0.5, expansion=1,
                  last_channels=320, with_bottleneck=True),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=320,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
mbv2_w050_student = dict(
    type='ImageClassifier',
    backbone=dict(type='ReduceMobileNetV2', widen_factor=0.5,
                  last_channels=320, with_bottleneck=False),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=320,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
