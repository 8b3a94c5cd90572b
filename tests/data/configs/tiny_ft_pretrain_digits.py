# Factor Transfer stage 1 on the tiny teacher of tiny_teacher_digits.py (its
# layer4: 32 channels at 4x4), for the tests. teacher_ckpt is set by them.
_base_ = ['./tiny_teacher_digits.py']
teacher = {{_base_.model}}
model = dict(
    _delete_=True,
    type='FactorTransferPretrain',
    teacher=teacher,
    teacher_ckpt='set-by-the-test.pth',
    distiller=dict(
        type='ConfigurableDistiller',
        teacher_recorders=dict(
            feat=dict(type='ModuleOutputs', source='backbone.layer4')),
        connectors=dict(
            paraphraser=dict(type='ParaphraserReconstruction',
                             in_channels=32, rate=0.5)),
        distill_losses=dict(loss_recon=dict(type='ReconstructionLoss', p=1)),
        loss_forward_mappings=dict(
            loss_recon=dict(
                preds_S=dict(from_student=False, recorder='feat',
                             connector='paraphraser'),
                preds_T=dict(from_student=False, recorder='feat')))))
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys=dict()))
param_scheduler = []
train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=3)
