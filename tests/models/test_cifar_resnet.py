"""CifarResNet: the plain CIFAR ResNets of depth 6n + 2."""
import pytest
import torch
from mmengine.registry import DefaultScope

import reducekd  # noqa: F401  (repairs the stack first)
from reducekd.registry import MODELS


def classifier(depth):
    with DefaultScope.overwrite_default_scope('reducekd'):
        return MODELS.build(dict(
            type='ImageClassifier',
            backbone=dict(type='CifarResNet', depth=depth),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10, in_channels=64)))


# Counted by hand (conv1x1-BN shortcuts, as Factor Transfer's official code):
# stem 3*16*9 + 32 = 464; a 16-channel block 2*(16*16*9) + 64 = 4,672;
# 32-channel block 2*(32*32*9) + 128 = 18,560, the first one
# 16*32*9 + 32*32*9 + 128 + 16*32 + 64 = 14,528; 64-channel block 73,984,
# the first one 32*64*9 + 64*64*9 + 256 + 32*64 + 128 = 57,728; fc 650.
# n = 3: 464 + 3*4672 + 14528 + 2*18560 + 57728 + 2*73984 + 650 = 272,474
# n = 9: 464 + 9*4672 + 14528 + 8*18560 + 57728 + 8*73984 + 650 = 855,770
@pytest.mark.parametrize('depth,params', [(20, 272_474), (56, 855_770)])
def test_parameter_counts(depth, params):
    model = classifier(depth)
    assert sum(p.numel() for p in model.parameters()) == params


def test_stages_and_feature_map():
    model = classifier(20)
    backbone = model.backbone
    assert [len(getattr(backbone, f'layer{i}')) for i in (1, 2, 3)] == \
        [3, 3, 3]
    assert not hasattr(backbone, 'layer4')
    out = backbone(torch.zeros(2, 3, 32, 32))
    assert len(out) == 1 and out[0].shape == (2, 64, 8, 8)
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_depth_must_be_6n_plus_2():
    with pytest.raises(ValueError, match='6n \\+ 2'):
        classifier(18)
