"""MobileNetV2 for 32x32 images, with ReduceNet's teacher branch.

Sandler et al., `MobileNetV2: Inverted Residuals and Linear Bottlenecks
<https://arxiv.org/abs/1801.04381>`_; ReduceNet
(https://github.com/ohmydroid/reducenet), whose README notes that its
pattern extends to the inverted residual block.

Where the teacher's branch goes. An inverted residual is
expand conv1x1-BN-ReLU6, depthwise conv k x k-BN-ReLU6, projection
conv1x1-BN (linear), plus the identity when the shape is kept. ReduceNet's
pattern needs a *main* convolution without bias whose output a BatchNorm
reads, a dense one so that a linear LoRA branch can be merged into it, in
every block. The projection is the only convolution that is all three:

* the expand conv is missing from the blocks of expansion ratio 1 (the
  first block), so a branch there would leave some blocks without one;
* the depthwise conv is grouped: a dense LoRA branch beside it has no
  depthwise kernel equal to it, so it could not be fused;
* the projection conv1x1(hidden, out) exists in every block, is dense, and
  its BatchNorm is followed by nothing but the residual sum.

So the teacher's non-linear branch reads the depthwise output (the hidden
width) and adds conv1x1(hidden, e*out)-BN-ReLU-conv1x1(e*out, out)-BN, the
ReduceNet branch widened by the expansion ``e``, to the projection before
its BatchNorm. Dropping it leaves exactly the plain MobileNetV2: expand,
depthwise, projection and every BatchNorm keep their names and shapes, so
the student inherits every other tensor of the teacher.
"""
from collections import OrderedDict

from mmpretrain.models.backbones.base_backbone import BaseBackbone
from mmpretrain.models.utils import make_divisible
from torch import nn

from reducekd.registry import MODELS

from .reduce_block import (ReduceBranchedBlock, conv_no_bias,
                           normalize_out_indices)


def _conv_bn_relu6(in_channels, out_channels, kernel_size, stride=1,
                   groups=1):
    return nn.Sequential(OrderedDict(
        conv=conv_no_bias(in_channels, out_channels, kernel_size, stride,
                          groups),
        bn=nn.BatchNorm2d(out_channels),
        act=nn.ReLU6(inplace=True),
    ))


class ReduceInvertedResidual(ReduceBranchedBlock):
    """MobileNetV2's inverted residual, with ReduceNet's branches.

    ``project_bn(main(h) [+ bottleneck(h)] [+ lora(h)]) [+ x]`` with
    ``h = depthwise(expand(x))``:

    * ``expand``: conv1x1(in, hidden)-BN-ReLU6, absent when ``hidden == in``
      (expansion ratio 1);
    * ``depthwise``: depthwise conv k x k(hidden, stride)-BN-ReLU6;
    * ``main``: the projection conv1x1(hidden, out), read with the branches
      by ``project_bn`` (:attr:`sum_norm`);
    * ``bottleneck`` (teacher only) and ``lora`` (optional): see
      :class:`~reducekd.models.backbones.reduce_block.ReduceBranchedBlock`;
    * the identity shortcut when ``stride == 1`` and ``in == out``.

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        stride (int): Stride of the depthwise conv.
        mid_channels (int): The hidden width (``in * expand_ratio`` in
            MobileNetV2).
        kernel_size (int): Kernel size of the depthwise conv. Defaults to 3.
        expansion (int): Width of the teacher branch relative to
            ``out_channels``. Defaults to 1.
        with_bottleneck (bool): Build the teacher branch. Defaults to False.
        lora (dict, optional): Config of a linear branch beside ``main``.
            Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int,
                 mid_channels: int,
                 kernel_size: int = 3,
                 expansion: int = 1,
                 with_bottleneck: bool = False,
                 lora: dict = None):
        super().__init__()
        self.mid_channels = mid_channels
        self.expand = _conv_bn_relu6(
            in_channels, mid_channels,
            1) if mid_channels != in_channels else None
        self.depthwise = _conv_bn_relu6(mid_channels, mid_channels,
                                        kernel_size, stride, mid_channels)
        self.build_branches(mid_channels, out_channels, 1, 1, expansion,
                            with_bottleneck, lora)
        self.project_bn = nn.BatchNorm2d(out_channels)
        self.use_residual = stride == 1 and in_channels == out_channels

    @property
    def sum_norm(self):
        return self.project_bn

    def forward(self, x):
        hidden = self.expand(x) if self.expand is not None else x
        out = self.project_bn(self.branch_sum(self.depthwise(hidden)))
        return out + x if self.use_residual else out


@MODELS.register_module()
class ReduceMobileNetV2(BaseBackbone):
    """MobileNetV2 for CIFAR-sized (32x32) inputs; ReduceNet teacher or plain.

    The common CIFAR layout (as in kuangliu/pytorch-cifar): MobileNetV2's
    stages (expansion ratio t, channels c, blocks n, stride s) =
    (1, 16, 1, 1), (6, 24, 2, **1**), (6, 32, 3, 2), (6, 64, 4, 2),
    (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1), with the stem conv3x3 at
    stride **1** instead of 2 and the second stage at stride 1 instead of 2,
    so a 32x32 image reaches the last stage at 4x4 (ImageNet's layout would
    reach 1x1). Stem conv3x3(3, 32)-BN-ReLU6, the stages ``layer1`` ...
    ``layer7`` of :class:`ReduceInvertedResidual`, then ``conv2``:
    conv1x1(320, 1280)-BN-ReLU6. Channels are ``make_divisible(c * w, 8)``
    for the width multiplier ``w`` and the last conv has 1280 channels
    (``make_divisible(1280 * w, 8)`` for ``w > 1``), as in mmpretrain's
    ``MobileNetV2``, which therefore has the same parameters (only strides
    differ).

    Size with a 10-class linear head, one 3x32x32 image
    (``reducekd.complexity.measure``, mmengine's MAdds):

    ============================= ================== ====================
    model                         plain (student)    teacher (``e = 1``)
    ============================= ================== ====================
    ``w = 1``                     2,236,682 / 91.3M  3,433,610 / 136.7M
    ``w = 0.5``                   700,490 / 29.8M    1,002,730 / 42.6M
    ``w = 0.5``, last conv 320    535,370 / 27.3M    837,610 / 40.1M
    ============================= ================== ====================

    (params / MAdds.)

    Args:
        widen_factor (float): Width multiplier ``w``. Defaults to 1.
        expansion (int): Width of the teacher branch relative to a block's
            output channels. Defaults to 1.
        with_bottleneck (bool): True for the ReduceNet teacher, False for the
            plain MobileNetV2 (the student). Defaults to False.
        lora (dict, optional): Config of a linear branch beside every
            block's projection conv1x1, e.g.
            ``dict(type='LowRankConvBranch', rank=8, lambda_relu=True)``.
            Defaults to None.
        last_channels (int, optional): Channels of ``conv2``; None follows
            MobileNetV2's rule above.
        out_indices (Sequence[int]): Outputs to return: 0-6 the stages, 7
            ``conv2``. Defaults to ``(7, )``.
        init_cfg (dict | list[dict], optional): Initialization config; None
            keeps PyTorch's default initialization.
    """

    #: (expansion ratio, channels, blocks, stride) of each stage.
    arch_settings = ((1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2),
                     (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                     (6, 320, 1, 1))

    def __init__(self,
                 widen_factor: float = 1.0,
                 expansion: int = 1,
                 with_bottleneck: bool = False,
                 lora: dict = None,
                 last_channels: int = None,
                 out_indices=(7, ),
                 init_cfg=None):
        super().__init__(init_cfg)
        if widen_factor <= 0:
            raise ValueError(f'widen_factor must be positive, got '
                             f'{widen_factor}')
        self.out_indices = normalize_out_indices(
            out_indices, len(self.arch_settings) + 1)
        in_channels = make_divisible(32 * widen_factor, 8)
        self.conv1 = _conv_bn_relu6(3, in_channels, 3)
        self.layers = []
        for i, (ratio, channels, blocks, stride) in enumerate(
                self.arch_settings):
            out_channels = make_divisible(channels * widen_factor, 8)
            stage = []
            for j in range(blocks):
                stage.append(ReduceInvertedResidual(
                    in_channels, out_channels, stride if j == 0 else 1,
                    mid_channels=int(round(in_channels * ratio)),
                    expansion=expansion, with_bottleneck=with_bottleneck,
                    lora=lora))
                in_channels = out_channels
            self.add_module(f'layer{i + 1}', nn.Sequential(*stage))
            self.layers.append(f'layer{i + 1}')
        if last_channels is None:
            last_channels = make_divisible(
                1280 * widen_factor, 8) if widen_factor > 1.0 else 1280
        self.conv2 = _conv_bn_relu6(in_channels, last_channels, 1)
        self.layers.append('conv2')

    def forward(self, x):
        x = self.conv1(x)
        outs = []
        for i, name in enumerate(self.layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
