# A FitNets-style hint between two tiny ResNets through mmrazor's generic
# ConvModuleConnector (student layer4: 16 channels, teacher layer4: 32),
# for the tests of the distiller wiring check.
_base_ = ['./tiny_kd_digits.py']
model = dict(
    distiller=dict(
        _delete_=True,
        type='ConfigurableDistiller',
        student_recorders=dict(
            feat=dict(type='ModuleOutputs', source='backbone.layer4')),
        teacher_recorders=dict(
            feat=dict(type='ModuleOutputs', source='backbone.layer4')),
        connectors=dict(
            hint=dict(type='ConvModuleConnector', in_channel=16,
                      out_channel=32, norm_cfg=dict(type='BN'))),
        distill_losses=dict(loss_hint=dict(type='L2Loss', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_hint=dict(
                s_feature=dict(from_student=True, recorder='feat',
                               connector='hint'),
                t_feature=dict(from_student=False, recorder='feat')))))
