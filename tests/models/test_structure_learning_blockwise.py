"""Structure learning: block-wise distillation and its held-out score."""
import itertools

import pytest
import torch
import torch.nn as nn
from mmengine.registry import DefaultScope

import reducekd.models  # noqa: F401  (registers every module)
from reducekd.models.structure_learning.blocks import block_input_shapes
from reducekd.models.structure_learning.blockwise import (
    heldout_errors, normalized_error, train_blockwise)
from reducekd.models.structure_learning.candidates import build_candidate
from reducekd.registry import MODELS


class _Toy(nn.Module):
    """A one-block 'classifier' with the forward signature the search uses."""

    def __init__(self):
        super().__init__()
        self.block = nn.Conv2d(2, 2, 1, bias=False)

    def forward(self, x, mode='tensor'):
        return self.block(x)


def test_normalized_error_by_hand():
    # target 1, 2, 3, 6: mean 3, sum of squared deviations 4+1+0+9 = 14;
    # squared error 7 -> 7 / 14.
    assert normalized_error(7.0, 12.0, 1 + 4 + 9 + 36, 4) == \
        pytest.approx(0.5)


def test_heldout_error_matches_a_direct_computation():
    torch.manual_seed(0)
    teacher = _Toy().eval()
    candidate = nn.Conv2d(2, 2, 1, bias=False)
    batches = [torch.randn(3, 2, 4, 4), torch.randn(5, 2, 4, 4)]
    errors = heldout_errors(teacher, {'block': [candidate]}, batches)
    with torch.no_grad():
        target = torch.cat([teacher.block(b) for b in batches]).double()
        pred = torch.cat([candidate(b) for b in batches]).double()
    expected = ((pred - target)**2).sum() / ((target - target.mean())**2).sum()
    assert errors['block'][0] == pytest.approx(expected.item(), rel=1e-9)
    # The teacher's own block is a perfect copy.
    assert heldout_errors(teacher, {'block': [teacher.block]},
                          batches)['block'][0] == pytest.approx(0, abs=1e-12)


def test_blockwise_training_lowers_the_heldout_error():
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('reducekd'):
        teacher = MODELS.build(dict(
            type='ImageClassifier',
            backbone=dict(type='CifarResNet', depth=20, base_channels=4),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='LinearClsHead', num_classes=10,
                      in_channels=16)))
    teacher.init_weights()  # mmpretrain's Kaiming initialisation
    teacher.eval()
    path = 'backbone.layer2.0'
    shape = block_input_shapes(teacher, [path], (3, 16, 16))[path]
    candidate = build_candidate(dict(type='ReducedWidth', ratio=0.5),
                                teacher.get_submodule(path), shape, path)
    heldout = [torch.randn(16, 3, 16, 16)]
    before = heldout_errors(teacher, {path: [candidate]}, heldout)[path][0]
    batches = (torch.randn(16, 3, 16, 16) for _ in itertools.count())
    lines = []
    train_blockwise(teacher, {path: [candidate]}, batches, iters=100,
                    loss_cfg=dict(type='ReconstructionLoss', p=2),
                    optimizer_cfg=dict(type='Adam', lr=1e-2),
                    log=lines.append)
    after = heldout_errors(teacher, {path: [candidate]}, heldout)[path][0]
    assert after < 0.5 * before, (before, after)
    assert 'ETA' in lines[-1] and 'iter 100/100' in lines[-1]
    # The teacher is untouched and still in eval mode.
    assert not teacher.training
