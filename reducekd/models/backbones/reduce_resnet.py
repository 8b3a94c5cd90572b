"""ReduceNet's CIFAR ResNet: a teacher whose student is a subnetwork of it.

ReduceNet (https://github.com/ohmydroid/reducenet) trains a teacher whose
blocks have a non-linear bottleneck branch beside their main conv3x3; the
student is the same network without those branches, inherits every other
weight from the teacher, and is then trained with knowledge distillation.
Optionally the student trains a linear ("LoRA") branch beside each main
conv3x3 that is merged into it afterwards (``reparameterize()``).

The teacher and the student are two configs of one class
(``with_bottleneck=True`` / ``False``); their submodules share names, so the
student's ``state_dict`` keys are the teacher's minus ``*.bottleneck.*``.
"""
from collections import OrderedDict

from mmpretrain.models.backbones.base_backbone import BaseBackbone
from torch import nn

from reducekd.registry import MODELS

from .reduce_block import (ReduceBranchedBlock, conv_no_bias,
                           normalize_out_indices)


class ReduceBlock(ReduceBranchedBlock):
    """ReduceNet's residual block.

    ``relu(merge(main(x) [+ bottleneck(x)] [+ lora(x)]) + shortcut(x))``
    where

    * ``main``: conv3x3(in, planes, stride);
    * ``bottleneck`` (teacher only): conv3x3(in, e*planes, stride)-BN-ReLU-
      conv1x1(e*planes, planes)-BN;
    * ``lora`` (optional): a linear branch, see
      :mod:`reducekd.models.connectors.lora_branch`;
    * ``merge``: BN-ReLU-conv3x3(planes, planes)-BN; its first BatchNorm
      reads the sum of the branches (:attr:`sum_norm`);
    * ``shortcut``: conv1x1(in, planes, stride)-BN when the shape changes,
      else the identity.

    No convolution has a bias. The branches and their fusion
    (``reparameterize()``) come from
    :class:`~reducekd.models.backbones.reduce_block.ReduceBranchedBlock`.

    Args:
        in_channels (int): Input channels.
        planes (int): Output channels.
        stride (int): Stride of ``main``, ``bottleneck`` and ``shortcut``.
        expansion (int): Width of the bottleneck relative to ``planes``.
        with_bottleneck (bool): Build the bottleneck branch (the teacher).
        lora (dict, optional): Config of a linear branch beside ``main``,
            built from ``MODELS`` with ``in_channels``, ``out_channels``,
            ``kernel_size`` and ``stride`` filled in. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 planes: int,
                 stride: int,
                 expansion: int,
                 with_bottleneck: bool,
                 lora: dict = None):
        super().__init__()
        self.build_branches(in_channels, planes, 3, stride, expansion,
                            with_bottleneck, lora)
        self.merge = nn.Sequential(OrderedDict(
            bn1=nn.BatchNorm2d(planes),
            relu=nn.ReLU(inplace=True),
            conv=conv_no_bias(planes, planes, 3),
            bn2=nn.BatchNorm2d(planes),
        ))
        if stride != 1 or in_channels != planes:
            self.shortcut = nn.Sequential(OrderedDict(
                conv=conv_no_bias(in_channels, planes, 1, stride),
                bn=nn.BatchNorm2d(planes),
            ))
        else:
            self.shortcut = nn.Identity()
        self.relu = nn.ReLU(inplace=True)

    @property
    def sum_norm(self):
        return self.merge.bn1

    def forward(self, x):
        return self.relu(self.merge(self.branch_sum(x)) + self.shortcut(x))


@MODELS.register_module()
class ReduceResNet(BaseBackbone):
    """ReduceNet's CIFAR ResNet of depth ``6n + 2``.

    Stem conv3x3(3, 16w)-BN-ReLU, then three stages of ``n``
    :class:`ReduceBlock` with ``16w``, ``32w``, ``64w`` channels and strides
    1, 2, 2. Pooling and classification belong to the classifier's neck and
    head (``GlobalAveragePooling`` and
    ``LinearClsHead(in_channels=64 * width)``).

    Parameters of the full classifier (10 classes) for reduce20, expansion 1:
    width 1: teacher 412,058, student 272,474; width 2: teacher 1,640,234,
    student 1,084,586 (the reference's counts).

    Args:
        depth (int): ``6n + 2``, e.g. 20 (n = 3) or 56 (n = 9). Defaults to 20.
        width (int): Channel multiplier ``w``. Defaults to 1.
        expansion (int): Bottleneck width relative to a block's output
            channels (teacher only). Defaults to 1.
        with_bottleneck (bool): True for the teacher, False for the student.
            Defaults to True.
        lora (dict, optional): Config of a linear branch beside every block's
            main conv3x3, e.g. ``dict(type='LowRankConvBranch', rank=8,
            lambda_relu=True)``; the block fills in ``in_channels``,
            ``out_channels`` and ``stride``. Defaults to None.
        out_indices (Sequence[int]): Stages (0, 1, 2; negatives count from
            the end) whose outputs are returned. Defaults to ``(2, )``.
        init_cfg (dict | list[dict], optional): Initialization config; None
            keeps PyTorch's default initialization, like the reference.
    """

    num_stages = 3

    def __init__(self,
                 depth: int = 20,
                 width: int = 1,
                 expansion: int = 1,
                 with_bottleneck: bool = True,
                 lora: dict = None,
                 out_indices=(2, ),
                 init_cfg=None):
        super().__init__(init_cfg)
        if depth < 8 or (depth - 2) % 6 != 0:
            raise ValueError(
                f'depth must be 6n + 2 with n >= 1 (20, 32, 56, ...), got '
                f'{depth}')
        self.out_indices = normalize_out_indices(out_indices,
                                                 self.num_stages)
        blocks_per_stage = (depth - 2) // 6

        stem_channels = 16 * width
        self.stem = nn.Sequential(OrderedDict(
            conv=conv_no_bias(3, stem_channels, 3),
            bn=nn.BatchNorm2d(stem_channels),
            relu=nn.ReLU(inplace=True),
        ))
        in_channels = stem_channels
        for i, stride in enumerate((1, 2, 2)):
            planes = 16 * width * 2**i
            blocks = []
            for j in range(blocks_per_stage):
                blocks.append(
                    ReduceBlock(in_channels, planes, stride if j == 0 else 1,
                                expansion, with_bottleneck, lora))
                in_channels = planes
            self.add_module(f'layer{i + 1}', nn.Sequential(*blocks))

    def forward(self, x):
        x = self.stem(x)
        outs = []
        for i in range(self.num_stages):
            x = getattr(self, f'layer{i + 1}')(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
