# ReduceNet stage 1 on CIFAR-100 (reference schedule), reduce20 w1.
_base_ = [
    '../_base_/datasets/cifar100_bs128.py',
    '../_base_/schedules/sgd_cosine_200e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ReduceResNet', depth=20, width=1, expansion=1,
                  with_bottleneck=True),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=100, in_channels=64,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
