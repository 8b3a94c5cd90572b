"""Search candidates of the MobileNetV2 family for structure learning.

`Compact CNN Structure Learning by Knowledge Distillation
<https://arxiv.org/abs/2104.09191>`_ reports its headline result on
MobileNetV2. Replacing its inverted residuals by generic two-conv residual
blocks (:class:`~.candidates.ReducedWidth`) would give a student that is no
longer a mobile network; these candidates keep the family: an inverted
residual of another hidden width (expansion ratio) or depthwise kernel size
(:class:`ReducedInvertedResidual`), and skipping the block where its shape
allows (:class:`SkipBlock`). A student made of them is a MobileNetV2 with
per-block expansion ratios, kernel sizes and depth.
"""
from torch import nn

from reducekd.errors import ConfigError
from reducekd.models.backbones import ReduceInvertedResidual
from reducekd.registry import SEARCH_CANDIDATES

from .candidates import block_signature


@SEARCH_CANDIDATES.register_module()
class ReducedInvertedResidual:
    """An inverted residual at ``ratio`` x the teacher block's hidden width.

    A plain :class:`~reducekd.models.backbones.ReduceInvertedResidual`
    (expand conv1x1-BN-ReLU6, depthwise ``kernel_size``-BN-ReLU6, linear
    projection conv1x1-BN, identity shortcut where the shape is kept) with
    the block's input and output channels and stride. On a MobileNetV2 block
    of expansion ratio 6, ``ratio=0.5`` is expansion 3 and ``ratio=1/6``
    expansion 1 (no expand conv).

    Args:
        ratio (float): Hidden width relative to the teacher block's
            (``mid_channels``, else its widest conv). Defaults to 1.
        kernel_size (int): Depthwise kernel size (odd). Defaults to 3.
    """

    def __init__(self, ratio=1.0, kernel_size=3):
        if not 0 < ratio <= 4:
            raise ConfigError(f'ReducedInvertedResidual: ratio must lie in '
                              f'(0, 4], got {ratio!r}.')
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ConfigError(f'ReducedInvertedResidual: kernel_size must be '
                              f'odd and positive, got {kernel_size!r}.')
        self.ratio = ratio
        self.kernel_size = kernel_size

    @property
    def name(self):
        return f'inverted residual x{self.ratio:.3g} k{self.kernel_size}'

    def __call__(self, block, input_shape):
        sig = block_signature(block, input_shape)
        mid = max(1, int(round(self.ratio * sig.inner_channels)))
        return ReduceInvertedResidual(
            sig.in_channels, sig.out_channels, sig.stride, mid_channels=mid,
            kernel_size=self.kernel_size)


@SEARCH_CANDIDATES.register_module()
class SkipBlock:
    """The identity: the block is dropped. Applies only to a block that
    keeps its input's shape (stride 1, as many channels out as in); a search
    leaves it out of the other blocks' options."""

    name = 'identity'

    def __call__(self, block, input_shape):
        sig = block_signature(block, input_shape)
        if sig.stride != 1 or sig.in_channels != sig.out_channels:
            return None
        return nn.Identity()
