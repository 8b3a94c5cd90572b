# Factor Transfer stage 2 between two tiny ResNets, for the tests: student
# layer4 of 16 channels, teacher layer4 of 32 (paraphraser factor: 16).
# teacher_ckpt and paraphraser_ckpt are set by the tests.
_base_ = ['./tiny_teacher_digits.py']
teacher = {{_base_.model}}
model = dict(
    _delete_=True,
    type='FactorTransferDistill',
    architecture=dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet_CIFAR', depth=18, stem_channels=2,
                      base_channels=2),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10, in_channels=16,
                  loss=dict(type='CrossEntropyLoss'))),
    teacher=teacher,
    teacher_ckpt='set-by-the-test.pth',
    paraphraser_ckpt='set-by-the-test.pth',
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            feat=dict(type='ModuleOutputs', source='backbone.layer4')),
        teacher_recorders=dict(
            feat=dict(type='ModuleOutputs', source='backbone.layer4')),
        connectors=dict(
            paraphraser=dict(type='Paraphraser', in_channels=32, rate=0.5),
            translator=dict(type='Translator', in_channels=16,
                            out_channels=16)),
        distill_losses=dict(
            loss_ft=dict(type='FactorTransferLoss', p=1, loss_weight=500)),
        loss_forward_mappings=dict(
            loss_ft=dict(
                preds_S=dict(from_student=True, recorder='feat',
                             connector='translator'),
                preds_T=dict(from_student=False, recorder='feat',
                             connector='paraphraser')))))
train_cfg = dict(max_epochs=1)
