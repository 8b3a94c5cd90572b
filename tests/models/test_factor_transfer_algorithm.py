"""Factor Transfer's two algorithms, built and stepped in-process.

Stage 1 (FactorTransferPretrain) trains only the paraphraser on a frozen
teacher; stage 2 (FactorTransferDistill) loads it strictly from the stage-1
checkpoint, keeps it frozen and trains student + translator. Both check at
build time that the recorded features fit the connectors.
"""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

import reducekd  # noqa: F401  (repairs the stack first)
from conftest import tiny_config
from reducekd.checkpoint import CheckpointError
from reducekd.models.algorithms.factor_transfer import ConnectorShapeError
from reducekd.registry import MODELS

PARA = 'distiller.connectors.paraphraser.'


def build(model_cfg):
    with DefaultScope.overwrite_default_scope('reducekd'):
        return MODELS.build(copy.deepcopy(model_cfg))


def config(name):
    return Config.fromfile(tiny_config(name))


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    """A tiny teacher with non-default BatchNorm statistics, saved as an
    mmengine checkpoint."""
    torch.manual_seed(0)
    teacher = build(config('tiny_ft_pretrain_digits.py').model.teacher)
    for name, buf in teacher.named_buffers():
        if name.endswith('running_mean'):
            buf.uniform_(-0.5, 0.5)
        elif name.endswith('running_var'):
            buf.uniform_(0.5, 2.0)
    path = tmp_path_factory.mktemp('ft') / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, path)
    return str(path)


def pretrain_cfg(teacher_ckpt, **paraphraser):
    cfg = config('tiny_ft_pretrain_digits.py')
    cfg.model.teacher_ckpt = teacher_ckpt
    cfg.model.distiller.connectors.paraphraser.update(paraphraser)
    return cfg


def train_cfg(teacher_ckpt, paraphraser_ckpt):
    cfg = config('tiny_ft_train_digits.py')
    cfg.model.teacher_ckpt = teacher_ckpt
    cfg.model.paraphraser_ckpt = paraphraser_ckpt
    return cfg


@pytest.fixture(scope='module')
def stage1_ckpt(teacher_ckpt, tmp_path_factory):
    """A stage-1 checkpoint whose paraphraser is not at its initial
    values (a few reconstruction steps were taken)."""
    torch.manual_seed(1)
    cfg = pretrain_cfg(teacher_ckpt)
    model = build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    x = torch.randn(4, 3, 32, 32)
    for _ in range(3):
        optim.update_params(model.loss(x)['distill.loss_recon'])
    path = tmp_path_factory.mktemp('ft') / 'stage1.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


def sgd_step(model, optim_cfg, inputs, labels):
    from mmpretrain.structures import DataSample
    samples = [DataSample().set_gt_label(int(y)) for y in labels]
    optim = build_optim_wrapper(model, optim_cfg)
    model.train()
    losses = model.loss(inputs, samples)
    parsed, _ = model.parse_losses(losses)
    optim.update_params(parsed)
    return losses


# ------------------------------------------------------------------ stage 1
def test_pretrain_optimizer_holds_only_the_paraphraser(teacher_ckpt):
    cfg = pretrain_cfg(teacher_ckpt)
    model = build(cfg.model)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    paraphraser = {n for n, _ in model.named_parameters()
                   if n.startswith(PARA)}
    assert trainable == paraphraser and len(paraphraser) == 12
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    in_optimizer = {id(p) for group in optim.optimizer.param_groups
                    for p in group['params']}
    assert in_optimizer == {id(p) for n, p in model.named_parameters()
                            if n.startswith(PARA)}
    assert not hasattr(model, 'student') and not hasattr(
        model, 'architecture')


def test_pretrain_lowers_reconstruction_loss_teacher_untouched(teacher_ckpt):
    torch.manual_seed(0)
    cfg = pretrain_cfg(teacher_ckpt)
    model = build(cfg.model)
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train()
    x = torch.randn(8, 3, 32, 32)
    losses = []
    for _ in range(20):
        loss = model.loss(x)['distill.loss_recon']
        optim.update_params(loss)
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], losses
    assert not model.teacher.training
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key  # BN stats too


def test_pretrain_refuses_a_student(teacher_ckpt):
    cfg = pretrain_cfg(teacher_ckpt)
    cfg.model.distiller.student_recorders = dict(
        feat=dict(type='ModuleOutputs', source='backbone.layer4'))
    with pytest.raises(ValueError, match='builds no student'):
        build(cfg.model)


def test_pretrain_refuses_the_frozen_paraphraser(teacher_ckpt):
    cfg = pretrain_cfg(teacher_ckpt)
    cfg.model.distiller.connectors.paraphraser.type = 'Paraphraser'
    with pytest.raises(ValueError, match="nothing to train.*'paraphraser' "
                       r'\(Paraphraser\)'):
        build(cfg.model)


# --------------------------------------------------- build-time shape checks
def test_paraphraser_channel_mismatch_names_both_sides(teacher_ckpt):
    cfg = pretrain_cfg(teacher_ckpt, in_channels=16)
    with pytest.raises(ConnectorShapeError) as error:
        build(cfg.model)
    message = str(error.value)
    for part in ("connector 'paraphraser' (ParaphraserReconstruction)",
                 '16 input channels', "teacher module 'backbone.layer4'",
                 '(1, 32, 4, 4)', '1x3x32x32'):
        assert part in message, message


@pytest.mark.parametrize('change,parts', [
    # the translator does not take the student's feature channels
    (dict(translator=dict(in_channels=8)),
     ["connector 'translator' (Translator)", '8 input channels',
      "student module 'backbone.layer4'", '(1, 16, 4, 4)']),
    # translator output channels != paraphraser factor channels
    (dict(translator=dict(out_channels=8)),
     ["preds_S = connector 'translator' (Translator)", '(1, 8, 4, 4)',
      "preds_T = connector 'paraphraser' (Paraphraser)", '(1, 16, 4, 4)',
      "student module 'backbone.layer4'", "teacher module 'backbone.layer4'"
      ]),
    # same channels, other spatial size: the student's layer3 is 8x8
    (dict(translator=dict(in_channels=8), source='backbone.layer3'),
     ['(1, 16, 8, 8)', '(1, 16, 4, 4)', "student module 'backbone.layer3'"]),
])
def test_stage2_shape_mismatch_names_both_sides(change, parts, teacher_ckpt,
                                                stage1_ckpt):
    cfg = train_cfg(teacher_ckpt, stage1_ckpt)
    cfg.model.distiller.connectors.translator.update(change['translator'])
    if 'source' in change:
        cfg.model.distiller.student_recorders.feat.source = change['source']
    with pytest.raises(ConnectorShapeError) as error:
        build(cfg.model)
    for part in parts:
        assert part in str(error.value), str(error.value)


# ------------------------------------------------------------------ stage 2
@pytest.mark.parametrize('use_bn', [False, True])
def test_stage2_paraphraser_is_loaded_and_stays_frozen(use_bn, teacher_ckpt,
                                                       tmp_path):
    torch.manual_seed(2)
    cfg1 = pretrain_cfg(teacher_ckpt, use_bn=use_bn)
    stage1 = build(cfg1.model)
    optim = build_optim_wrapper(stage1, cfg1.optim_wrapper)
    for _ in range(2):  # moves the weights and the BN statistics
        optim.update_params(stage1.loss(torch.randn(4, 3, 32, 32))
                            ['distill.loss_recon'])
    ckpt = tmp_path / 'stage1.pth'
    torch.save({'state_dict': stage1.state_dict()}, ckpt)
    expected = {k: v.clone() for k, v in stage1.state_dict().items()
                if k.startswith(PARA)}

    cfg = train_cfg(teacher_ckpt, str(ckpt))
    cfg.model.distiller.connectors.paraphraser.use_bn = use_bn
    model = build(cfg.model)
    model.init_weights()  # as the Runner does before training

    def paraphraser_state():
        return {k: v for k, v in model.state_dict().items()
                if k.startswith(PARA)}

    assert paraphraser_state().keys() == expected.keys()
    for key, value in paraphraser_state().items():
        assert torch.equal(value, expected[key]), key
    teacher = copy.deepcopy(model.teacher.state_dict())
    student = copy.deepcopy(model.student.state_dict())
    translator = copy.deepcopy(
        model.distiller.connectors.translator.state_dict())

    losses = sgd_step(model, cfg.optim_wrapper, torch.randn(4, 3, 32, 32),
                      [0, 1, 2, 3])
    assert set(losses) == {'student.loss', 'distill.loss_ft'}
    assert losses['distill.loss_ft'] > 0
    assert not model.distiller.connectors.paraphraser.training
    for key, value in paraphraser_state().items():
        assert torch.equal(value, expected[key]), key
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, teacher[key]), key
    changed = [k for k, v in model.student.state_dict().items()
               if not torch.equal(v, student[k])]
    assert any(k.endswith('weight') for k in changed)
    assert any(not torch.equal(v, translator[k]) for k, v in
               model.distiller.connectors.translator.state_dict().items())


def test_stage2_refuses_a_trainable_paraphraser(teacher_ckpt, stage1_ckpt):
    cfg = train_cfg(teacher_ckpt, stage1_ckpt)
    cfg.model.distiller.connectors.paraphraser.type = \
        'ParaphraserReconstruction'
    with pytest.raises(ValueError, match='has trainable parameters'):
        build(cfg.model)


def test_stage2_unknown_connector_name(teacher_ckpt, stage1_ckpt):
    cfg = train_cfg(teacher_ckpt, stage1_ckpt)
    cfg.model.paraphraser = 'para'
    with pytest.raises(ValueError, match="no connector named 'para'"):
        build(cfg.model)


def test_stage2_refuses_paraphraser_of_another_teacher(teacher_ckpt,
                                                       stage1_ckpt, tmp_path):
    state = torch.load(teacher_ckpt, weights_only=True)['state_dict']
    state = {k: v + 1 if v.is_floating_point() else v
             for k, v in state.items()}
    other = tmp_path / 'other_teacher.pth'
    torch.save({'state_dict': state}, other)
    cfg = train_cfg(str(other), stage1_ckpt)
    with pytest.raises(CheckpointError, match='trained on another teacher'):
        build(cfg.model)
