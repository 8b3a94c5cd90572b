"""Merging LoRA branches into the main conv3x3 of ReduceNet's blocks."""
import copy

import pytest
import torch
from torch import nn

import reducekd  # noqa: F401  (repairs the stack first)
from reducekd.models.backbones import ReduceResNet
from reducekd.models.connectors import LambdaReLU, LowRankConvBranch
from reducekd.models.utils import (fuse_conv_bn, pad_1x1_kernel,
                                   reparameterize_model)
from reducekd.registry import MODELS

LOW_RANK = dict(type='LowRankConvBranch', rank=4)
LOW_RANK_LAMBDA = dict(type='LowRankConvBranch', rank=4, lambda_relu=True)
CONV1X1_BN = dict(type='Conv1x1BNBranch')


def randomize_batchnorms(model):
    """Random affine parameters and running statistics in every BN."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.5)
            nn.init.normal_(m.bias, 0.0, 0.5)
            m.running_mean.normal_(0.0, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return model


def set_lambdas(model, value):
    for m in model.modules():
        if isinstance(m, LambdaReLU):
            m.set_lambda(value)


def build_classifier(**backbone):
    return MODELS.build(
        dict(
            _scope_='reducekd',
            type='ImageClassifier',
            backbone=dict(type='ReduceResNet', depth=8, **backbone),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='LinearClsHead',
                num_classes=10,
                in_channels=64,
                loss=dict(type='CrossEntropyLoss'))))


def randomize_branch_outputs(model):
    """Branches start as zero functions; give them random weights so that a
    wrong fusion shows."""
    for m in model.modules():
        if isinstance(m, LowRankConvBranch):
            nn.init.normal_(m.up.weight, 0.0, 0.5)
    return model


def eval_model(model):
    torch.manual_seed(0)
    randomize_batchnorms(model)
    randomize_branch_outputs(model)
    set_lambdas(model, 1.0)
    model.double()
    model.eval()  # mmpretrain's BaseBackbone.train() returns None
    return model


@pytest.mark.parametrize('stride', [1, 2])
@pytest.mark.parametrize('conv_bias', [True, False])
def test_fuse_conv_bn_matches_conv_then_bn(stride, conv_bias):
    torch.manual_seed(0)
    conv = nn.Conv2d(4, 6, 3, stride=stride, padding=1, bias=conv_bias)
    bn = randomize_batchnorms(nn.BatchNorm2d(6))
    conv, bn = conv.double(), bn.double().eval()
    x = torch.randn(2, 4, 9, 9, dtype=torch.float64)
    kernel, bias = fuse_conv_bn(conv, bn)
    fused = nn.functional.conv2d(x, kernel, bias, stride=stride, padding=1)
    assert torch.allclose(fused, bn(conv(x)), rtol=1e-5)


@pytest.mark.parametrize('stride', [1, 2])
def test_padded_1x1_kernel_is_the_same_conv_as_3x3(stride):
    torch.manual_seed(0)
    weight = torch.randn(6, 4, 1, 1, dtype=torch.float64)
    x = torch.randn(2, 4, 9, 9, dtype=torch.float64)
    expected = nn.functional.conv2d(x, weight, stride=stride)
    padded = nn.functional.conv2d(
        x, pad_1x1_kernel(weight), stride=stride, padding=1)
    assert torch.allclose(padded, expected, rtol=1e-5)


@pytest.mark.parametrize('lora,with_bottleneck', [
    (LOW_RANK, False),
    (LOW_RANK_LAMBDA, False),
    (CONV1X1_BN, False),
    (CONV1X1_BN, True),
])
def test_fused_model_equals_unfused(lora, with_bottleneck):
    model = eval_model(
        ReduceResNet(depth=8, with_bottleneck=with_bottleneck, lora=lora,
                     out_indices=(0, 1, 2)))
    fused = reparameterize_model(model)
    assert all(getattr(m, 'lora', None) is None for m in fused.modules())
    x = torch.randn(2, 3, 32, 32, dtype=torch.float64)
    for got, expected in zip(fused(x), model(x)):
        assert torch.allclose(got, expected, rtol=1e-5)


@pytest.mark.parametrize('value', [0.0, 0.5])
def test_fusing_a_nonlinear_branch_raises(value):
    model = ReduceResNet(depth=8, with_bottleneck=False, lora=LOW_RANK_LAMBDA)
    set_lambdas(model, value)
    with pytest.raises(RuntimeError, match=rf'lambda={value:g} < 1.*'
                       'LambdaReLUAnnealHook'):
        reparameterize_model(model)


@pytest.mark.parametrize('lora', [LOW_RANK_LAMBDA, CONV1X1_BN])
def test_fused_student_loads_strictly_into_plain_student(lora):
    fused = reparameterize_model(
        eval_model(build_classifier(with_bottleneck=False, lora=lora)))
    plain = build_classifier(with_bottleneck=False).double()
    plain.eval()
    assert {k: v.shape for k, v in fused.state_dict().items()} == {
        k: v.shape for k, v in plain.state_dict().items()}
    plain.load_state_dict(fused.state_dict(), strict=True)
    x = torch.randn(2, 3, 32, 32, dtype=torch.float64)
    assert torch.allclose(
        plain(x, mode='tensor'), fused(x, mode='tensor'), rtol=1e-5)


def test_reparameterize_model_copies_unless_inplace():
    model = eval_model(
        ReduceResNet(depth=8, with_bottleneck=False, lora=CONV1X1_BN))
    fused = reparameterize_model(model)
    assert fused is not model and model.layer1[0].lora is not None
    same = reparameterize_model(model, inplace=True)
    assert same is model and model.layer1[0].lora is None
    state = copy.deepcopy(model.state_dict())
    reparameterize_model(model, inplace=True)  # fusing again changes nothing
    assert all(torch.equal(v, state[k]) for k, v in model.state_dict().items())


@pytest.mark.parametrize('lora,with_bottleneck', [
    (LOW_RANK_LAMBDA, False), (CONV1X1_BN, False), (None, True)])
def test_folding_batchnorms_keeps_the_outputs(lora, with_bottleneck):
    model = eval_model(build_classifier(with_bottleneck=with_bottleneck,
                                        lora=lora))
    deployed = reparameterize_model(model, fuse_bn=True)
    batchnorms = [m for m in deployed.modules()
                  if isinstance(m, nn.BatchNorm2d)]
    # only each block's merge.bn1 (it reads a sum of branches) stays
    assert len(batchnorms) == 3
    x = torch.randn(2, 3, 32, 32, dtype=torch.float64)
    assert torch.allclose(deployed(x), model(x), rtol=1e-5)
