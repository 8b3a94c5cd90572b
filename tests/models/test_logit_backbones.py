"""NiN teacher and LeNetCIFAR student, built from ImageClassifier configs."""
import pytest
import torch

import reducekd  # noqa: F401  (repairs the stack first)
from reducekd.models.backbones import LeNetCIFAR, NiN
from reducekd.registry import MODELS

NIN_CLASSIFIER = dict(_scope_='reducekd',
                      type='ImageClassifier',
                      backbone=dict(type='NiN'),
                      neck=dict(type='GlobalAveragePooling'),
                      head=dict(type='LinearClsHead',
                                num_classes=10,
                                in_channels=192,
                                loss=dict(type='CrossEntropyLoss')))

LENET_CLASSIFIER = dict(_scope_='reducekd',
                        type='ImageClassifier',
                        backbone=dict(type='LeNetCIFAR'),
                        head=dict(type='LinearClsHead',
                                  num_classes=10,
                                  in_channels=84,
                                  loss=dict(type='CrossEntropyLoss')))


def num_params(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('cfg,feature_shape', [
    (NIN_CLASSIFIER, (2, 192, 8, 8)),
    (LENET_CLASSIFIER, (2, 84)),
])
def test_classifier_from_config(cfg, feature_shape):
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    x = torch.randn(2, 3, 32, 32)
    feats = model.backbone(x)
    assert isinstance(feats, tuple) and len(feats) == 1
    assert feats[0].shape == feature_shape
    model.eval()
    logits = model(x)
    assert logits.shape == (2, 10) and torch.isfinite(logits).all()
    model.train()
    from mmpretrain.structures import DataSample
    samples = [DataSample().set_gt_label(i) for i in (1, 7)]
    losses = model(x, samples, mode='loss')
    assert torch.isfinite(losses['loss'])


def test_nin_stages_and_params():
    nin = NiN(out_indices=(0, 1, 2))
    nin.eval()  # BaseBackbone.train() returns None: no chaining
    outs = nin(torch.randn(2, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(2, 96, 16, 16), (2, 192, 8, 8),
                                              (2, 192, 8, 8)]
    # conv1 3*192*25+192, cccp1 192*160+160, cccp2 160*96+96,
    # conv2 96*192*25+192, cccp3/4 192*192+192, conv3 192*192*9+192,
    # cccp5/6 192*192+192
    assert num_params(nin) == (14_592 + 30_880 + 15_456 + 460_992 +
                               2 * 37_056 + 331_968 + 2 * 37_056)
    assert num_params(nin) == 1_002_112


def test_nin_with_bn_normalises_every_convolution():
    nin = NiN(with_bn=True)
    convs = [m for m in nin.modules() if isinstance(m, torch.nn.Conv2d)]
    bns = [m for m in nin.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert [bn.num_features for bn in bns] == [c.out_channels for c in convs]
    # 9 convolutions: 192+160+96 + 192+192+192 + 192+192+192 = 1,600
    # channels, each with a BN weight and bias
    assert num_params(nin) == 1_002_112 + 2 * 1_600
    # the BN sits between the convolution and its ReLU
    stage0 = list(nin.stages[0].named_children())
    assert [name for name, _ in stage0[:3]] == ['conv1', 'conv1_bn',
                                                 'conv1_relu']
    nin.train()
    outs = nin(torch.randn(4, 3, 32, 32))
    assert outs[0].shape == (4, 192, 8, 8)


def test_nin_dropout_only_in_training():
    nin = NiN(dropout=0.5)
    x = torch.randn(1, 3, 32, 32)
    nin.eval()
    assert torch.equal(nin(x)[0], nin(x)[0])
    nin.train()
    torch.manual_seed(0)
    a = nin(x)[0]
    torch.manual_seed(1)
    assert not torch.equal(a, nin(x)[0])


def test_lenet_params_and_seed_variant():
    # conv1 3*6*25+6, conv2 6*16*25+16, fc1 400*120+120, fc2 120*84+84
    assert num_params(LeNetCIFAR()) == 456 + 2_416 + 48_120 + 10_164
    wide = LeNetCIFAR(conv_channels=(64, 128), fc_channels=(1024, ))
    assert wide.out_channels == 1024
    assert wide(torch.randn(2, 3, 32, 32))[0].shape == (2, 1024)


def test_backbones_reject_bad_arguments():
    with pytest.raises(ValueError, match='dropout'):
        NiN(dropout=1.0)
    with pytest.raises(ValueError, match='out_indices'):
        NiN(out_indices=(3, ))
    with pytest.raises(ValueError, match='conv_channels'):
        LeNetCIFAR(conv_channels=(6, ))
    with pytest.raises(ValueError, match='32x32'):
        LeNetCIFAR()(torch.randn(1, 3, 28, 28))
