# ReduceNet's CIFAR ResNet (https://github.com/ohmydroid/reducenet), depth 20,
# width 1, expansion 1, 10 classes. The teacher's blocks have the bottleneck
# branch; the student is the same network without it. Named variables, so a
# stage-2 config takes both from this file: {{_base_.reduce_teacher}}.
# Parameters: teacher 412,058, student 272,474 (the reference's counts).
reduce_teacher = dict(
    type='ImageClassifier',
    backbone=dict(type='ReduceResNet', depth=20, width=1, expansion=1,
                  with_bottleneck=True),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
reduce_student = dict(
    type='ImageClassifier',
    backbone=dict(type='ReduceResNet', depth=20, width=1,
                  with_bottleneck=False),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=64,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
