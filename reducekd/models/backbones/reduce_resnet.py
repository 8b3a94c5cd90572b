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

import torch
from mmpretrain.models.backbones.base_backbone import BaseBackbone
from torch import nn

from reducekd.registry import MODELS


def _conv3x3(in_channels, out_channels, stride=1):
    return nn.Conv2d(
        in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


def _conv1x1(in_channels, out_channels, stride=1):
    return nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)


def _build_branch(cfg, in_channels, out_channels, stride):
    """Build a branch beside a conv3x3 from its config in reducekd's scope.

    ``_scope_`` makes the type lookup start in reducekd's registry also when
    the backbone is built under another default scope (e.g. as
    ``reducekd.ReduceResNet`` in an ``mmpretrain``-scoped classifier).
    """
    cfg = dict(cfg, in_channels=in_channels, out_channels=out_channels,
               stride=stride)
    cfg.setdefault('_scope_', MODELS.scope)
    return MODELS.build(cfg)


class ReduceBlock(nn.Module):
    """ReduceNet's residual block.

    ``relu(merge(bottleneck(x) + main(x) [+ lora(x)]) + shortcut(x))`` where

    * ``main``: conv3x3(in, planes, stride);
    * ``bottleneck`` (teacher only): conv3x3(in, e*planes, stride)-BN-ReLU-
      conv1x1(e*planes, planes)-BN;
    * ``lora`` (optional): a linear branch, see
      :mod:`reducekd.models.connectors.lora_branch`;
    * ``merge``: BN-ReLU-conv3x3(planes, planes)-BN;
    * ``shortcut``: conv1x1(in, planes, stride)-BN when the shape changes,
      else the identity.

    No convolution has a bias.

    Args:
        in_channels (int): Input channels.
        planes (int): Output channels.
        stride (int): Stride of ``main``, ``bottleneck`` and ``shortcut``.
        expansion (int): Width of the bottleneck relative to ``planes``.
        with_bottleneck (bool): Build the bottleneck branch (the teacher).
        lora (dict, optional): Config of a linear branch beside ``main``,
            built from ``MODELS`` with ``in_channels``, ``out_channels`` and
            ``stride`` filled in. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 planes: int,
                 stride: int,
                 expansion: int,
                 with_bottleneck: bool,
                 lora: dict = None):
        super().__init__()
        self.main = _conv3x3(in_channels, planes, stride)
        self.bottleneck = nn.Sequential(OrderedDict(
            conv1=_conv3x3(in_channels, expansion * planes, stride),
            bn1=nn.BatchNorm2d(expansion * planes),
            relu=nn.ReLU(inplace=True),
            conv2=_conv1x1(expansion * planes, planes),
            bn2=nn.BatchNorm2d(planes),
        )) if with_bottleneck else None
        self.lora = _build_branch(lora, in_channels, planes,
                                  stride) if lora is not None else None
        self.merge = nn.Sequential(OrderedDict(
            bn1=nn.BatchNorm2d(planes),
            relu=nn.ReLU(inplace=True),
            conv=_conv3x3(planes, planes),
            bn2=nn.BatchNorm2d(planes),
        ))
        if stride != 1 or in_channels != planes:
            self.shortcut = nn.Sequential(OrderedDict(
                conv=_conv1x1(in_channels, planes, stride),
                bn=nn.BatchNorm2d(planes),
            ))
        else:
            self.shortcut = nn.Identity()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        out = self.main(x)
        if self.bottleneck is not None:
            out = out + self.bottleneck(x)
        if self.lora is not None:
            out = out + self.lora(x)
        return self.relu(self.merge(out) + self.shortcut(x))

    @torch.no_grad()
    def reparameterize(self):
        """Merge the LoRA branch into ``main``, leaving the plain block.

        ``main`` receives the branch's equivalent 3x3 kernel. ``main`` has no
        bias, so the branch's bias ``b`` (non-zero for a branch with a
        BatchNorm) is absorbed by ``merge.bn1``, the BatchNorm that reads the
        sum: ``BN(y + b)`` with running mean ``m`` equals ``BN(y)`` with
        running mean ``m - b`` in eval mode. Fine-tuning the fused block
        also behaves as if ``main`` had the bias ``b``: in train mode the
        batch statistics cancel a constant offset, and the running mean
        keeps differing by exactly ``b`` from the one ``BN(y + b)`` would
        track.

        Afterwards the block has exactly the parameters and ``state_dict``
        keys of a block built without ``lora``; calling it again does
        nothing.

        Raises:
            RuntimeError: If the branch is not linear yet (a LambdaReLU
                with ``λ < 1``).
        """
        if self.lora is None:
            return
        kernel, bias = self.lora.equivalent_kernel_bias()
        self.main.weight.add_(kernel)
        self.merge.bn1.running_mean.sub_(bias)
        self.lora = None


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
        self.out_indices = self._normalize_out_indices(out_indices)
        blocks_per_stage = (depth - 2) // 6

        stem_channels = 16 * width
        self.stem = nn.Sequential(OrderedDict(
            conv=_conv3x3(3, stem_channels),
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

    def _normalize_out_indices(self, out_indices):
        normalized = []
        for index in out_indices:
            if not -self.num_stages <= index < self.num_stages:
                raise ValueError(
                    f'out_indices must lie in [-{self.num_stages}, '
                    f'{self.num_stages - 1}], got {tuple(out_indices)}')
            normalized.append(index % self.num_stages)
        return tuple(normalized)

    def forward(self, x):
        x = self.stem(x)
        outs = []
        for i in range(self.num_stages):
            x = getattr(self, f'layer{i + 1}')(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
