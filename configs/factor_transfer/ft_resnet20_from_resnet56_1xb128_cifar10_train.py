# Factor Transfer stage 2, the official code's convention (Jangho-Kim/
# Factor-Transfer-pytorch, train_student.py): ResNet-20 learns from the
# ResNet-56 teacher on CIFAR-10 through the frozen stage-1 paraphraser.
_base_ = [
    '../_base_/models/cifar_resnet.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/default_runtime.py',
    '../_base_/factor_transfer_stage2.py',
]
teacher_ckpt = 'work_dirs/resnet56_1xb128_cifar10/epoch_163.pth'
paraphraser_ckpt = ('work_dirs/ft_resnet20_from_resnet56_1xb128_cifar10_'
                    'pretrain/epoch_5.pth')

model = dict(architecture={{_base_.resnet20}},
             teacher={{_base_.resnet56}},
             teacher_ckpt=teacher_ckpt,
             paraphraser_ckpt=paraphraser_ckpt)

# official: SGD (lr 0.1, momentum 0.9, wd 5e-4) for the student and another
# with the same settings for the translator (one optimizer over both here),
# lr x0.1 at epochs 82 and 123, 163 epochs (--epoch 163), batch 128.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True,
                       milestones=[82, 123], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=163, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
