# A tiny, fast classifier on 30 digits for the tool tests.
_base_ = [
    '../../../configs/_base_/datasets/digits_bs64.py',
    '../../../configs/_base_/default_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=4,
                  base_channels=4),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=32,
              loss=dict(type='CrossEntropyLoss')))
train_dataloader = dict(batch_size=8, dataset=dict(per_class=3))
val_dataloader = dict(batch_size=64, dataset=dict(split='test'))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
param_scheduler = dict(type='CosineAnnealingLR', T_max=3, by_epoch=True,
                       convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(max_keep_ckpts=-1, save_best=None))
