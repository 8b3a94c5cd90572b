# Factor Transfer stage 2 (https://arxiv.org/abs/1802.04977), the official
# code's settings (Jangho-Kim/Factor-Transfer-pytorch, train_student.py):
# the student learns through a translator on its last-stage feature to match
# the factor of the frozen stage-1 paraphraser on the teacher's. A config
# adds the pair and both checkpoints:
#   model = dict(architecture=..., teacher=..., teacher_ckpt=...,
#                paraphraser_ckpt=...)
model = dict(
    type='FactorTransferDistill',
    paraphraser='paraphraser',  # the connector's name in both stages
    input_shape=(3, 32, 32),
    distiller=dict(
        type='ConfigurableDistiller',
        # official: outputs[2] of both networks (64 x 8 x 8)
        student_recorders=dict(
            feat=dict(type='ModuleOutputs', source='backbone.layer3')),
        teacher_recorders=dict(
            feat=dict(type='ModuleOutputs', source='backbone.layer3')),
        connectors=dict(
            # as in stage 1; strictly loaded from paraphraser_ckpt, frozen
            paraphraser=dict(type='Paraphraser', in_channels=64, rate=0.5,
                             use_bn=False),
            # official: Translator(64, int(round(64 * RATE))), no BN
            translator=dict(type='Translator', in_channels=64,
                            out_channels=32, use_bn=False)),
        # official: BETA * nn.L1Loss()(FT(factor_s), FT(factor_t.detach()))
        # with BETA = 500 (p = 1), plus nn.CrossEntropyLoss (the student's
        # own loss, weight 1)
        distill_losses=dict(
            loss_ft=dict(type='FactorTransferLoss', p=1, loss_weight=500)),
        loss_forward_mappings=dict(
            loss_ft=dict(
                preds_S=dict(from_student=True, recorder='feat',
                             connector='translator'),
                preds_T=dict(from_student=False, recorder='feat',
                             connector='paraphraser')))))
