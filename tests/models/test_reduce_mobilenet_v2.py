"""ReduceNet's pattern on MobileNetV2's inverted residuals."""
import pytest
import torch
from mmengine.config import Config
from mmpretrain.models.backbones import MobileNetV2
from torch import nn

import reducekd  # noqa: F401  (repairs the stack first)
from reducekd.complexity import build_in_scope, measure
from reducekd.models.backbones import (ReduceBlock, ReduceBranchedBlock,
                                       ReduceInvertedResidual,
                                       ReduceMobileNetV2)
from reducekd.models.connectors import Conv1x1BNBranch, LowRankConvBranch
from reducekd.models.utils import reparameterize_model

from test_reducenet_distill import randomise
from test_reparameterize import eval_model, set_lambdas

LOW_RANK_LAMBDA = dict(type='LowRankConvBranch', rank=4, lambda_relu=True)
CONV1X1_BN = dict(type='Conv1x1BNBranch')
STAGE2 = ('configs/reducenet/reducenet-lora_mbv2-w050-student_from_'
          'reduce-mbv2-w050-e1-teacher_1xb64_digits.py')


def classifier(**backbone):
    channels = backbone.get('last_channels') or 1280
    return build_in_scope(dict(
        type='ImageClassifier',
        backbone=dict(type='ReduceMobileNetV2', **backbone),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=10,
                  in_channels=channels,
                  loss=dict(type='CrossEntropyLoss'))))


def count(module):
    return sum(p.numel() for p in module.parameters())


def randomize_conv1x1bn_branches(model):
    """Conv1x1BN branches start with a zero scale: make them matter."""
    for m in model.modules():
        if isinstance(m, Conv1x1BNBranch):
            nn.init.normal_(m.bn.weight, 1.0, 0.5)
    return model


def test_both_block_families_share_one_interface():
    assert issubclass(ReduceBlock, ReduceBranchedBlock)
    assert issubclass(ReduceInvertedResidual, ReduceBranchedBlock)
    assert ReduceBlock.reparameterize is ReduceInvertedResidual.reparameterize


@pytest.mark.parametrize('width', [1.0, 0.5])
def test_student_has_the_parameters_of_the_plain_mobilenet_v2(width):
    # mmpretrain's MobileNetV2 has the same channels (only its strides are
    # ImageNet's), so its parameters plus a linear head are the plain count.
    plain = count(MobileNetV2(widen_factor=width)) + 1280 * 10 + 10
    assert count(classifier(widen_factor=width)) == plain
    teacher = classifier(widen_factor=width, with_bottleneck=True)
    assert count(teacher) > plain


def test_documented_sizes():
    assert measure(classifier(), (3, 32, 32)) == dict(
        params=2_236_682, madds=91_276_800)
    assert measure(classifier(with_bottleneck=True), (3, 32, 32)) == dict(
        params=3_433_610, madds=136_736_256)


def test_stage2_student_equals_the_plain_network_built_alone():
    cfg = Config.fromfile(STAGE2)
    student = dict(cfg.model.architecture)
    student['backbone'] = dict(student['backbone'], lora=None)
    built = build_in_scope(student)
    alone = classifier(widen_factor=0.5, last_channels=320)
    assert count(built) == count(alone) == 535_370
    assert built.state_dict().keys() == alone.state_dict().keys()


def test_output_is_4x4_for_a_32x32_input():
    model = ReduceMobileNetV2(widen_factor=0.5, out_indices=(0, 6, 7))
    outs = model(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape[1:]) for o in outs] == [
        (8, 32, 32), (160, 4, 4), (1280, 4, 4)]


@pytest.mark.parametrize('with_bottleneck', [True, False])
def test_every_parameter_is_used_by_forward(with_bottleneck):
    model = classifier(widen_factor=0.25, with_bottleneck=with_bottleneck)
    model(torch.randn(2, 3, 32, 32), mode='tensor').sum().backward()
    unused = [n for n, p in model.named_parameters() if p.grad is None]
    assert not unused


def test_student_keys_are_teacher_keys_without_bottleneck():
    teacher = classifier(widen_factor=0.5, with_bottleneck=True).state_dict()
    student = classifier(widen_factor=0.5).state_dict()
    assert {k: v.shape for k, v in teacher.items()
            if '.bottleneck.' not in k} == {
                k: v.shape for k, v in student.items()}
    # every block of the teacher has its branch, the first (ratio 1) too
    blocks = [m for m in classifier(with_bottleneck=True).modules()
              if isinstance(m, ReduceInvertedResidual)]
    assert len(blocks) == 17 and all(b.bottleneck is not None
                                     for b in blocks)
    assert blocks[0].expand is None


@pytest.mark.parametrize('lora,branch', [
    (LOW_RANK_LAMBDA, LowRankConvBranch), (CONV1X1_BN, Conv1x1BNBranch)])
def test_lora_branch_sits_beside_every_projection(lora, branch):
    model = ReduceMobileNetV2(widen_factor=0.25, lora=lora)
    blocks = [m for m in model.modules()
              if isinstance(m, ReduceInvertedResidual)]
    assert all(isinstance(b.lora, branch) for b in blocks)
    assert all(b.main.kernel_size == (1, 1) for b in blocks)


@pytest.mark.parametrize('lora,with_bottleneck', [
    (LOW_RANK_LAMBDA, False), (CONV1X1_BN, False), (CONV1X1_BN, True)])
def test_fused_model_equals_unfused(lora, with_bottleneck):
    # random BatchNorm statistics and random branch weights (eval_model)
    model = eval_model(randomize_conv1x1bn_branches(ReduceMobileNetV2(
        widen_factor=0.25, with_bottleneck=with_bottleneck, lora=lora,
        out_indices=tuple(range(8)))))
    fused = reparameterize_model(model)
    assert all(getattr(m, 'lora', None) is None for m in fused.modules())
    x = torch.randn(2, 3, 32, 32, dtype=torch.float64)
    for got, expected in zip(fused(x), model(x)):
        assert torch.allclose(got, expected, rtol=1e-6, atol=1e-9)
    # the branches did change the output: the fusion is not vacuous
    plain = model.__class__(widen_factor=0.25,
                            with_bottleneck=with_bottleneck,
                            out_indices=tuple(range(8)))
    plain.load_state_dict({k: v for k, v in model.state_dict().items()
                           if '.lora.' not in k})
    plain.double().eval()
    assert not torch.allclose(plain(x)[-1], model(x)[-1])


@pytest.mark.parametrize('lora', [LOW_RANK_LAMBDA, CONV1X1_BN])
def test_fused_student_has_exactly_the_plain_networks_keys(lora):
    model = eval_model(randomize_conv1x1bn_branches(
        classifier(widen_factor=0.25, lora=lora)))
    fused = reparameterize_model(model)
    plain = classifier(widen_factor=0.25).double().eval()
    assert {k: v.shape for k, v in fused.state_dict().items()} == {
        k: v.shape for k, v in plain.state_dict().items()}
    plain.load_state_dict(fused.state_dict(), strict=True)
    x = torch.randn(2, 3, 32, 32, dtype=torch.float64)
    assert torch.allclose(plain(x, mode='tensor'), model(x, mode='tensor'),
                          rtol=1e-6, atol=1e-9)


def test_fusing_a_nonlinear_branch_raises():
    model = ReduceMobileNetV2(widen_factor=0.25, lora=LOW_RANK_LAMBDA)
    set_lambdas(model, 0.5)
    with pytest.raises(RuntimeError, match='lambda=0.5 < 1'):
        reparameterize_model(model)


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match='widen_factor'):
        ReduceMobileNetV2(widen_factor=0)
    with pytest.raises(ValueError, match='out_indices'):
        ReduceMobileNetV2(out_indices=(8, ))


def test_reducenet_distill_inherits_every_tensor_but_the_branches(tmp_path):
    cfg = Config.fromfile(STAGE2)
    teacher = randomise(build_in_scope(cfg.model.teacher))
    path = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, path)
    cfg.model.teacher_ckpt = str(path)
    model = build_in_scope(cfg.model)
    model.init_weights()
    student = model.student.state_dict()
    shared = [k for k in student if '.lora.' not in k]
    assert len(shared) == len([k for k in teacher.state_dict()
                               if '.bottleneck.' not in k])
    for key in shared:
        assert torch.equal(student[key], teacher.state_dict()[key]), key
