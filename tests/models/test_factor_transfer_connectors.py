"""Factor Transfer connectors: Paraphraser (two stages) and Translator."""
import pytest
import torch
import torch.nn as nn

import reducekd  # noqa: F401  (repairs the stack first)
from reducekd.models.connectors import (Paraphraser, ParaphraserReconstruction,
                                        Translator)
from reducekd.registry import MODELS


@pytest.mark.parametrize(
    'in_channels,rate,factor_channels',
    [
        (8, 0.5, 4),
        (10, 0.3, 3),
        (6, 0.25, 2),  # round(1.5) == 2
        (4, 1.0, 4),
    ])
def test_paraphraser_shapes(in_channels, rate, factor_channels):
    x = torch.randn(2, in_channels, 5, 5)
    para = MODELS.build(
        dict(type='Paraphraser', in_channels=in_channels, rate=rate))
    rec = MODELS.build(
        dict(type='ParaphraserReconstruction',
             in_channels=in_channels,
             rate=rate))
    assert para.factor_channels == rec.factor_channels == factor_channels
    assert para.in_channels == rec.in_channels == in_channels
    assert para.out_channels == factor_channels
    assert rec.out_channels == in_channels
    assert para(x).shape == (2, factor_channels, 5, 5)
    assert rec(x).shape == (2, in_channels, 5, 5)
    assert rec.encode(x).shape == (2, factor_channels, 5, 5)


def test_paraphraser_layout_is_the_official_one():
    rec = ParaphraserReconstruction(in_channels=8, rate=0.5)
    convs = [m for m in rec.encoder.modules() if isinstance(m, nn.Conv2d)]
    deconvs = [
        m for m in rec.decoder.modules() if isinstance(m, nn.ConvTranspose2d)
    ]
    # Conv2d weight: (out, in, k, k); ConvTranspose2d weight: (in, out, k, k)
    assert [tuple(c.weight.shape)
            for c in convs] == [(8, 8, 3, 3), (4, 8, 3, 3), (4, 4, 3, 3)]
    assert [tuple(d.weight.shape) for d in deconvs] == [(4, 4, 3, 3),
                                                        (4, 8, 3, 3),
                                                        (8, 8, 3, 3)]
    for m in convs + deconvs:
        assert m.stride == (1, 1) and m.padding == (1, 1)
        assert m.bias is not None
    acts = [m for m in rec.modules() if isinstance(m, nn.LeakyReLU)]
    assert len(acts) == 6
    assert all(a.negative_slope == 0.1 for a in acts)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in rec.modules())


@pytest.mark.parametrize('use_bn', [False, True])
def test_stage1_checkpoint_loads_strictly_into_stage2(use_bn):
    torch.manual_seed(0)
    rec = ParaphraserReconstruction(in_channels=6, rate=0.5, use_bn=use_bn)
    para = Paraphraser(in_channels=6, rate=0.5, use_bn=use_bn)
    assert list(rec.state_dict()) == list(para.state_dict())
    if use_bn:
        # non-default BN statistics, so a wrong load would show
        for m in rec.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
    para.load_state_dict(rec.state_dict(), strict=True)
    x = torch.randn(2, 6, 4, 4)
    rec.eval()
    assert torch.equal(para(x), rec.encode(x))


def test_stage2_paraphraser_is_frozen():
    para = Paraphraser(in_channels=4, use_bn=True)
    assert not any(p.requires_grad for p in para.parameters())
    para.train()
    assert not para.training
    assert not any(m.training for m in para.modules())
    x = torch.randn(2, 4, 3, 3, requires_grad=True)
    assert not para(x).requires_grad


def test_stage1_paraphraser_trains():
    rec = ParaphraserReconstruction(in_channels=4)
    x = torch.randn(2, 4, 3, 3)
    rec(x).abs().mean().backward()
    assert all(p.grad is not None for p in rec.parameters())
    assert all(p.requires_grad for p in rec.parameters())


def test_translator_shapes_layout_and_grad():
    trans = MODELS.build(dict(type='Translator', in_channels=6,
                              out_channels=4))
    assert (trans.in_channels, trans.out_channels) == (6, 4)
    convs = [m for m in trans.modules() if isinstance(m, nn.Conv2d)]
    assert [tuple(c.weight.shape[:2]) for c in convs] == [(6, 6), (4, 6),
                                                          (4, 4)]
    x = torch.randn(2, 6, 5, 5)
    out = trans(x)
    assert out.shape == (2, 4, 5, 5)
    out.sum().backward()
    assert all(p.grad is not None for p in trans.parameters())
    with_bn = Translator(6, 4, use_bn=True)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in with_bn.modules()) == 3


def test_connectors_name_wrong_input_channels():
    with pytest.raises(ValueError, match=r'\(N, 8, H, W\)'):
        Paraphraser(in_channels=8)(torch.randn(2, 6, 3, 3))
    with pytest.raises(ValueError, match=r'\(N, 6, H, W\)'):
        Translator(6, 4)(torch.randn(2, 5, 3, 3))
    with pytest.raises(ValueError, match='factor channels'):
        Paraphraser(in_channels=1, rate=0.1)
