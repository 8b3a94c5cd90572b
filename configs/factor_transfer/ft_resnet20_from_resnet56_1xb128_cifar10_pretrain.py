# Factor Transfer stage 1, the official code's convention (Jangho-Kim/
# Factor-Transfer-pytorch, train_Paraphraser.py): a paraphraser learns to
# reconstruct the last-stage feature of the frozen ResNet-56 teacher on
# CIFAR-10. Train the teacher first (resnet56_1xb128_cifar10.py).
_base_ = [
    '../_base_/models/cifar_resnet.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/default_runtime.py',
    '../_base_/factor_transfer_stage1.py',
]
teacher_ckpt = 'work_dirs/resnet56_1xb128_cifar10/epoch_163.pth'

model = dict(teacher={{_base_.resnet56}}, teacher_ckpt=teacher_ckpt)

# official: optim.SGD(paraphraser, lr 0.1, momentum 0.9, weight decay 5e-4)
# with MultiStepLR at 150/225, beyond the run: a constant lr, no scheduler.
# paramwise_cfg (empty, but present) makes mmengine leave the frozen
# teacher's parameters out of the optimizer: it holds the paraphraser's only.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys=dict()))
# official: --epoch 5, batch 128 (its loop runs epochs 0..5, six passes).
# Validation runs the frozen teacher (a check of teacher_ckpt): at the end.
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
default_hooks = dict(checkpoint=dict(save_best=None))
