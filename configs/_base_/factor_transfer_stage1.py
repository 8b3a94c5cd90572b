# Factor Transfer stage 1 (Kim, Park, Kwak, "Paraphrasing Complex Network:
# Network Compression via Factor Transfer", NeurIPS 2018,
# https://arxiv.org/abs/1802.04977), the official code's settings
# (Jangho-Kim/Factor-Transfer-pytorch, train_Paraphraser.py): a paraphraser
# learns to reconstruct the last-stage feature (64 channels) of the frozen
# teacher. A config adds the teacher:
#   model = dict(teacher=..., teacher_ckpt=...)
model = dict(
    type='FactorTransferPretrain',
    input_shape=(3, 32, 32),
    distiller=dict(
        type='ConfigurableDistiller',
        # official: outputs[2], the output of the teacher's last stage
        teacher_recorders=dict(
            feat=dict(type='ModuleOutputs', source='backbone.layer3')),
        # official: Paraphraser(64, int(round(64 * RATE))), rate k = 0.5,
        # LeakyReLU(0.1), no BN
        connectors=dict(
            paraphraser=dict(type='ParaphraserReconstruction',
                             in_channels=64, rate=0.5, use_bn=False)),
        # official: criterion = nn.L1Loss() on (P(x), x.detach())
        distill_losses=dict(
            loss_recon=dict(type='ReconstructionLoss', p=1,
                            loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_recon=dict(
                preds_S=dict(from_student=False, recorder='feat',
                             connector='paraphraser'),
                preds_T=dict(from_student=False, recorder='feat')))))
