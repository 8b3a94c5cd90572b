"""The search space: candidate replacements of a teacher block.

`Compact CNN Structure Learning by Knowledge Distillation
<https://arxiv.org/abs/2104.09191>`_ (Ahmed et al., 2021) replaces the
blocks of a trained teacher by lighter ones. A candidate here is a registered
builder (``SEARCH_CANDIDATES``) that makes a replacement for one block from
the teacher block itself and the shape of its input. What a candidate may
not change is the block's interface: :func:`build_candidate` runs the new
module once and rejects it, naming the block and the candidate, when its
output shape differs from the teacher block's.

Add a candidate family by registering a class whose instances are called as
``builder(block, input_shape) -> nn.Module`` and have a ``name``. A builder
returns None for a block it does not apply to (the identity where the block
changes the shape): a search then leaves it out of that block's options.
"""
from collections import namedtuple

import torch
import torch.nn as nn

from reducekd.errors import ConfigError
from reducekd.registry import SEARCH_CANDIDATES

#: What a candidate needs to know of the block it replaces.
BlockSignature = namedtuple(
    'BlockSignature',
    'in_channels out_channels stride inner_channels output_shape '
    'nonnegative_output')


class CandidateShapeError(ConfigError):
    """A candidate does not keep its block's input and output shapes."""


def _run_once(module, input_shape):
    """Output of ``module`` on a random batch of two, in eval mode."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            return module(torch.randn(2, *input_shape))
    finally:
        module.train(was_training)


def block_signature(block, input_shape):
    """Channels, stride and inner width of a teacher block.

    The inner width is the block's ``mid_channels`` (mmpretrain's ResNet
    blocks) or else the widest convolution inside it (the hidden width of an
    inverted residual, the bottleneck of a ReduceNet block). The output is
    "non-negative" when the block ends with a ReLU on a random input, so a
    replacement of a linear-output block (MobileNetV2) ends linear too.

    Args:
        block (nn.Module): The teacher block.
        input_shape (tuple): ``(C, H, W)`` of its input.

    Returns:
        BlockSignature
    """
    output = _run_once(block, input_shape)
    if output.dim() != 4 or input_shape[1] % output.shape[2]:
        raise CandidateShapeError(
            f'{type(block).__name__} maps {tuple(input_shape)} to '
            f'{tuple(output.shape[1:])}: a searchable block must map a '
            '(C, H, W) feature map to one whose height divides H.')
    convs = [m.out_channels for m in block.modules()
             if isinstance(m, nn.Conv2d)]
    inner = getattr(block, 'mid_channels', None) or max(
        convs, default=output.shape[1])
    return BlockSignature(
        in_channels=input_shape[0],
        out_channels=output.shape[1],
        stride=input_shape[1] // output.shape[2],
        inner_channels=int(inner),
        output_shape=tuple(output.shape[1:]),
        nonnegative_output=bool((output >= 0).all()))


def _conv(in_channels, out_channels, stride, separable):
    """A 3x3 convolution, or depthwise 3x3-BN-ReLU then pointwise 1x1."""
    if not separable:
        return nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
    return nn.Sequential(
        nn.Conv2d(in_channels, in_channels, 3, stride, 1, groups=in_channels,
                  bias=False),
        nn.BatchNorm2d(in_channels),
        nn.ReLU(inplace=True),
        nn.Conv2d(in_channels, out_channels, 1, bias=False))


class CandidateBlock(nn.Module):
    """A residual block with the interface of the block it replaces.

    ``act(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))``: ``conv1`` maps
    the input to ``mid_channels`` with the block's stride, ``conv2`` to the
    output channels; each is a 3x3 convolution or a depthwise-separable one.
    The shortcut is the identity when the shape is kept, else
    conv1x1(stride)-BN. ``act`` is a ReLU when the teacher block's output is
    non-negative, else the identity.

    Args:
        in_channels (int): Input channels.
        mid_channels (int): Inner width.
        out_channels (int): Output channels.
        stride (int): Spatial stride.
        separable (bool): Depthwise-separable convolutions.
        out_relu (bool): End with a ReLU.
    """

    def __init__(self, in_channels, mid_channels, out_channels, stride,
                 separable, out_relu):
        super().__init__()
        self.conv1 = _conv(in_channels, mid_channels, stride, separable)
        self.bn1 = nn.BatchNorm2d(mid_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv(mid_channels, out_channels, 1, separable)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels))
        else:
            self.shortcut = nn.Identity()
        self.out_act = nn.ReLU(inplace=True) if out_relu else nn.Identity()

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.out_act(out + self.shortcut(x))


class _ResidualCandidate:
    """Builds a :class:`CandidateBlock` of ``ratio`` x the block's inner
    width (at least one channel)."""

    separable = False
    label = ''

    def __init__(self, ratio=1.0):
        if not 0 < ratio <= 4:
            raise ConfigError(f'{type(self).__name__}: ratio must lie in '
                              f'(0, 4], got {ratio!r}.')
        self.ratio = ratio

    @property
    def name(self):
        return f'{self.label} x{self.ratio:g}'

    def __call__(self, block, input_shape):
        sig = block_signature(block, input_shape)
        mid = max(1, int(round(self.ratio * sig.inner_channels)))
        return CandidateBlock(sig.in_channels, mid, sig.out_channels,
                              sig.stride, self.separable,
                              sig.nonnegative_output)


@SEARCH_CANDIDATES.register_module()
class ReducedWidth(_ResidualCandidate):
    """A residual block of two 3x3 convolutions at ``ratio`` x the
    teacher block's inner width (x0.75, x0.5, x0.25 ...).

    Args:
        ratio (float): Inner width relative to the teacher block's.
    """

    label = 'width'


@SEARCH_CANDIDATES.register_module()
class DepthwiseSeparable(_ResidualCandidate):
    """A residual block of two depthwise-separable 3x3 convolutions at
    ``ratio`` x the teacher block's inner width.

    Args:
        ratio (float): Inner width relative to the teacher block's.
            Defaults to 1.
    """

    separable = True
    label = 'depthwise-separable'


def candidate_name(cfg):
    """Short name of a candidate config, for tables and messages."""
    return SEARCH_CANDIDATES.build(cfg).name


def build_candidate(cfg, block, input_shape, path, skip_inapplicable=False):
    """Build the replacement ``cfg`` describes for the block at ``path``.

    Args:
        cfg (dict): A ``SEARCH_CANDIDATES`` config, e.g.
            ``dict(type='ReducedWidth', ratio=0.5)``.
        block (nn.Module): The teacher block it replaces.
        input_shape (tuple): ``(C, H, W)`` of the block's input.
        path (str): Module path of the block, for messages.
        skip_inapplicable (bool): Return None for a candidate that does not
            apply to this block (e.g. the identity where the shape
            changes) instead of raising. Defaults to False.

    Returns:
        nn.Module | None: The replacement, checked to keep the block's
        shapes.

    Raises:
        CandidateShapeError: The replacement fails on the block's input or
            returns another shape, or does not apply to the block; the
            message names the block, the candidate and the shapes.
    """
    module = SEARCH_CANDIDATES.build(cfg)(block, input_shape)
    if module is None:
        if skip_inapplicable:
            return None
        raise CandidateShapeError(
            f'search candidate {dict(cfg)} does not apply to block {path!r} '
            f'(input {tuple(input_shape)}): it cannot keep that block\'s '
            'shapes.')
    expected = tuple(_run_once(block, input_shape).shape[1:])
    try:
        got = tuple(_run_once(module, input_shape).shape[1:])
    except RuntimeError as error:
        got = f'an error ({str(error).splitlines()[0]})'
    if got != expected:
        raise CandidateShapeError(
            f'search candidate {dict(cfg)} for block {path!r} maps its input '
            f'{tuple(input_shape)} to {got}, but the teacher block gives '
            f'{expected}. A candidate must keep its block\'s input and '
            'output shapes: fix the candidate or remove it from the search '
            'space.')
    return module
