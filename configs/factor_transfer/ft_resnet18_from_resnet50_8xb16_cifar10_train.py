# Factor Transfer stage 2, MMRazor's convention (its configs/distill/mmcls/
# factor_transfer/factor-transfer_backbone_resnet50_resnet18_8xb16_cifar10_
# train.py): mmpretrain's ResNet-18 learns from the ResNet-50 on CIFAR-10.
# MMRazor's result: top-1 94.86 (README; 94.88 in its metafile), its
# ResNet-18 baseline 94.82.
_base_ = [
    '../_base_/models/resnet50_resnet18_cifar.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/default_runtime.py',
]
teacher_ckpt = 'checkpoints/resnet50_b16x8_cifar10_20210528-f54bfad9.pth'
paraphraser_ckpt = ('work_dirs/ft_resnet18_from_resnet50_8xb16_cifar10_'
                    'pretrain/epoch_20.pth')

model = dict(
    type='FactorTransferDistill',
    architecture={{_base_.resnet18_cifar}},
    teacher={{_base_.resnet50_cifar}},
    teacher_ckpt=teacher_ckpt,
    paraphraser_ckpt=paraphraser_ckpt,
    paraphraser='paraphraser',  # the connector's name in both stages
    input_shape=(3, 32, 32),
    distiller=dict(
        type='ConfigurableDistiller',
        # MMRazor: bb_s4 = backbone.layer4.1.conv2 (512 x 4 x 4) of the
        # student, backbone.layer4.2.conv3 (2048 x 4 x 4) of the teacher
        student_recorders=dict(
            feat=dict(type='ModuleOutputs',
                      source='backbone.layer4.1.conv2')),
        teacher_recorders=dict(
            feat=dict(type='ModuleOutputs',
                      source='backbone.layer4.2.conv3')),
        connectors=dict(
            # as in stage 1; strictly loaded from paraphraser_ckpt, frozen
            paraphraser=dict(type='Paraphraser', in_channels=2048, rate=0.5,
                             use_bn=False),
            # MMRazor: Translator(in_channel=512, out_channel=1024) with its
            # default use_bn=True
            translator=dict(type='Translator', in_channels=512,
                            out_channels=1024, use_bn=True)),
        # MMRazor: FTLoss(loss_weight=1.0) = L1 (element-wise mean) of the
        # per-sample L2-normalised factors, i.e. p = 1, beta = 1
        distill_losses=dict(
            loss_ft=dict(type='FactorTransferLoss', p=1, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_ft=dict(
                preds_S=dict(from_student=True, recorder='feat',
                             connector='translator'),
                preds_T=dict(from_student=False, recorder='feat',
                             connector='paraphraser')))))

# MMRazor: 8 GPUs x 16 images; mmcls's cifar10_bs128 schedule: SGD lr 0.1,
# momentum 0.9, wd 1e-4, lr x0.1 at epochs 100 and 150, 200 epochs.
train_dataloader = dict(batch_size=16)
val_dataloader = dict(batch_size=16)
test_dataloader = val_dataloader
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(type='MultiStepLR', by_epoch=True,
                       milestones=[100, 150], gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
