# Factor Transfer stage 1, MMRazor's convention (its configs/distill/mmcls/
# factor_transfer/factor-transfer_backbone_resnet50_resnet18_8xb16_cifar10_
# pretrain.py): a paraphraser learns to reconstruct the frozen mmpretrain
# ResNet-50's layer4.2.conv3 output on CIFAR-10. Differences from MMRazor:
# no student is built in this stage (MMRazor builds and runs a frozen one),
# the reconstruction loss (see distill_losses), the data preprocessor (see
# below), and the paraphraser is loaded strictly in stage 2 (MMRazor loads
# the whole pretrain checkpoint through init_cfg, non-strictly).
_base_ = [
    '../_base_/models/resnet50_resnet18_cifar.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/default_runtime.py',
]
# MMRazor: mmcls's ResNet-50 CIFAR-10 checkpoint (top-1 95.55), from
# https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_b16x8_cifar10_20210528-f54bfad9.pth  # noqa: E501
# Download it there; it must load strictly into _base_.resnet50_cifar (the
# model of mmpretrain's resnet50_8xb16_cifar10.py).
teacher_ckpt = 'checkpoints/resnet50_b16x8_cifar10_20210528-f54bfad9.pth'

model = dict(
    type='FactorTransferPretrain',
    teacher={{_base_.resnet50_cifar}},
    teacher_ckpt=teacher_ckpt,
    input_shape=(3, 32, 32),
    distiller=dict(
        type='ConfigurableDistiller',
        # MMRazor: bb_s4 = backbone.layer4.2.conv3 (2048 x 4 x 4)
        teacher_recorders=dict(
            feat=dict(type='ModuleOutputs',
                      source='backbone.layer4.2.conv3')),
        # MMRazor: Paraphraser(in_channel=2048, out_channel=1024), no BN,
        # i.e. rate 0.5
        connectors=dict(
            paraphraser=dict(type='ParaphraserReconstruction',
                             in_channels=2048, rate=0.5, use_bn=False)),
        # MMRazor: L2Loss(loss_weight=1.0), which L2-normalises both
        # features per sample and sums the squared differences over each
        # sample; here the mean of squared differences of the raw features
        # (p = 2, weight 1), the official code's form with L2 instead of L1.
        distill_losses=dict(
            loss_recon=dict(type='ReconstructionLoss', p=2,
                            loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_recon=dict(
                preds_S=dict(from_student=False, recorder='feat',
                             connector='paraphraser'),
                preds_T=dict(from_student=False, recorder='feat')))))
# MMRazor overrides the data preprocessor with ImageNet's mean/std and a
# BGR->RGB swap; here the CIFAR-10 normalisation of mmcls's cifar10_bs16.py,
# with which the teacher checkpoint was trained (the dataset config's).

# MMRazor: 8 GPUs x 16 images (mmcls's cifar10_bs16.py).
train_dataloader = dict(batch_size=16)
val_dataloader = dict(batch_size=16)
test_dataloader = val_dataloader
# MMRazor: mmcls's cifar10_bs128 schedule (SGD lr 0.1, momentum 0.9, wd 1e-4,
# lr x0.1 at epochs 100 and 150), stopped after 20 epochs. paramwise_cfg
# (empty, but present) makes mmengine leave the frozen teacher's parameters
# out of the optimizer: it holds the paraphraser's only.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys=dict()))
param_scheduler = dict(type='MultiStepLR', by_epoch=True,
                       milestones=[100, 150], gamma=0.1)
# Validation runs the frozen teacher (a check of teacher_ckpt): at the end.
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=20)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
default_hooks = dict(checkpoint=dict(save_best=None))
