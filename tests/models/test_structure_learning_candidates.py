"""Structure learning: default block splits and the search space.

Registry-driven: every registered candidate is built for every default
block of every supported backbone and must keep the block's shapes.
"""
import pytest
import torch
import torch.nn as nn
from mmengine.registry import DefaultScope

import reducekd.models  # noqa: F401  (registers every module)
from reducekd.models.structure_learning.blocks import (
    block_input_shapes, check_block_paths, default_block_paths)
from reducekd.models.structure_learning.candidates import (
    CandidateShapeError, build_candidate)
from reducekd.registry import MODELS, SEARCH_CANDIDATES

HEAD = dict(type='LinearClsHead', num_classes=10, in_channels=8)


def classifier(backbone, in_channels):
    with DefaultScope.overwrite_default_scope('reducekd'):
        return MODELS.build(dict(
            type='ImageClassifier', backbone=backbone,
            neck=dict(type='GlobalAveragePooling'),
            head=dict(HEAD, in_channels=in_channels)))


# (backbone, channels of its last feature map, number of blocks by hand)
BACKBONES = {
    'ResNet_CIFAR-18 (BasicBlock)': (
        dict(type='ResNet_CIFAR', depth=18, stem_channels=4,
             base_channels=4), 32, 2 + 2 + 2 + 2),
    'ResNet_CIFAR-50 (Bottleneck)': (
        dict(type='ResNet_CIFAR', depth=50, stem_channels=4,
             base_channels=2), 64, 3 + 4 + 6 + 3),
    'CifarResNet-20': (dict(type='CifarResNet', depth=20, base_channels=4),
                       16, 3 + 3 + 3),
    'MobileNetV2': (dict(type='MobileNetV2', widen_factor=0.25), 1280,
                    1 + 2 + 3 + 4 + 3 + 3 + 1),
    'ReduceMobileNetV2': (dict(type='ReduceMobileNetV2', widen_factor=0.25,
                               last_channels=16), 16,
                          1 + 2 + 3 + 4 + 3 + 3 + 1),
    'ReduceResNet-8 (teacher)': (
        dict(type='ReduceResNet', depth=8, width=1, expansion=1,
             with_bottleneck=True), 64, 3),
}


@pytest.fixture(scope='module', params=sorted(BACKBONES))
def model(request):
    backbone, channels, _ = BACKBONES[request.param]
    return request.param, classifier(backbone, channels)


def test_default_split_finds_every_block(model):
    name, net = model
    paths = default_block_paths(net)
    assert len(paths) == BACKBONES[name][2]
    check_block_paths(net, paths)


@pytest.mark.parametrize('candidate', sorted(SEARCH_CANDIDATES.module_dict))
def test_every_candidate_keeps_the_shapes_of_every_block(model, candidate):
    _, net = model
    paths = default_block_paths(net)
    shapes = block_input_shapes(net, paths, (3, 32, 32))
    for path in paths:
        block = net.get_submodule(path).eval()
        module = build_candidate(dict(type=candidate), block, shapes[path],
                                 path, skip_inapplicable=True)
        if module is None:  # the identity where the shape changes
            assert candidate == 'SkipBlock'
            continue
        module.eval()
        x = torch.randn(2, *shapes[path])
        with torch.no_grad():
            assert module(x).shape == block(x).shape, (candidate, path)


def test_unknown_backbone_asks_for_explicit_blocks():
    net = classifier(dict(type='LeNetCIFAR'), 84)
    with pytest.raises(ValueError, match=r'search = dict\(blocks='):
        default_block_paths(net)


def test_overlapping_or_unknown_blocks_are_refused():
    net = classifier(BACKBONES['CifarResNet-20'][0], 16)
    with pytest.raises(ValueError, match="'backbone.layer1.9' is not"):
        check_block_paths(net, ['backbone.layer1.9'])
    with pytest.raises(ValueError, match='inside block'):
        check_block_paths(net, ['backbone.layer1', 'backbone.layer1.0'])


class _WrongChannels:
    """A broken search space entry: adds one output channel."""

    name = 'wrong channels'

    def __call__(self, block, input_shape):
        return nn.Conv2d(input_shape[0], input_shape[0] + 1, 1)


@pytest.fixture
def broken_candidate():
    SEARCH_CANDIDATES.register_module(name='WrongChannelsForTest',
                                      module=_WrongChannels)
    yield 'WrongChannelsForTest'
    SEARCH_CANDIDATES.module_dict.pop('WrongChannelsForTest')


def test_broken_candidate_is_rejected_when_the_student_is_built(
        broken_candidate):
    backbone = BACKBONES['CifarResNet-20'][0]
    with DefaultScope.overwrite_default_scope('reducekd'), pytest.raises(
            CandidateShapeError) as error:
        MODELS.build(dict(
            type='BlockSwappedClassifier', backbone=backbone,
            neck=dict(type='GlobalAveragePooling'),
            head=dict(HEAD, in_channels=16),
            blocks=[dict(path='backbone.layer2.1',
                         candidate=dict(type=broken_candidate))]))
    message = str(error.value)
    assert broken_candidate in message
    assert "'backbone.layer2.1'" in message
    # Input (8, 16, 16); the block keeps it, the entry gives 9 channels.
    assert '(8, 16, 16) to (9, 16, 16)' in message
    assert 'teacher block gives (8, 16, 16)' in message
