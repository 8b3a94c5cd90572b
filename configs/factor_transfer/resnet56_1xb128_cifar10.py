# The teacher of Factor Transfer's official experiment: ResNet-56 on CIFAR-10
# with the schedule of its train_teacher.py (Jangho-Kim/Factor-Transfer-
# pytorch): SGD lr 0.1, momentum 0.9, weight decay 5e-4, lr x0.1 at epochs 82
# and 123, 163 epochs, batch 128, random crop (pad 4) + horizontal flip, the
# CIFAR-10 mean/std normalisation (identical to the dataset config's).
_base_ = [
    '../_base_/models/cifar_resnet.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.resnet56}}
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True,
                       milestones=[82, 123], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=163, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
