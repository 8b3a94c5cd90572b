"""Network in Network for 3x32x32 inputs (teacher of the logit KD family)."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmpretrain.models.backbones.base_backbone import BaseBackbone

from reducekd.registry import MODELS

InitCfg = Optional[Union[Dict, List[Dict]]]
# mmengine's BaseModule deep-copies init_cfg, so a shared default is safe.
_KAIMING_INIT = dict(type='Kaiming', layer='Conv2d', mode='fan_in')


def _conv_act(name: str, conv: nn.Conv2d, with_bn: bool) -> List[tuple]:
    """``conv`` (optionally followed by BatchNorm ``{name}_bn``) and ReLU."""
    layers = [(name, conv)]
    if with_bn:
        layers.append((f'{name}_bn', nn.BatchNorm2d(conv.out_channels)))
    return layers + [(f'{name}_relu', nn.ReLU())]


def _mlpconv(first: tuple, cccps: Sequence[tuple], in_channels: int,
             with_bn: bool) -> List[tuple]:
    """A conv k x k (name, channels, kernel, padding) then 1x1 convs.

    The 1x1 convolutions are the "cccp" layers of the Caffe model; every
    convolution is followed by ReLU (after BatchNorm when ``with_bn``).
    """
    name, out_channels, kernel, padding = first
    layers = _conv_act(
        name, nn.Conv2d(in_channels, out_channels, kernel, 1, padding),
        with_bn)
    for cccp_name, channels in cccps:
        layers += _conv_act(cccp_name, nn.Conv2d(out_channels, channels, 1),
                            with_bn)
        out_channels = channels
    return layers


@MODELS.register_module()
class NiN(BaseBackbone):
    """Network in Network, CIFAR variant, as a backbone.

    `Network In Network <https://arxiv.org/abs/1312.4400>`_ (Lin, Chen, Yan,
    2013). Three mlpconv stages on a 3x32x32 input:

    ====== ================================================ ============
    stage  layers                                           output
    ====== ================================================ ============
    0      conv5x5 192, 1x1 160, 1x1 96, maxpool3 s2, drop  96 x 16 x 16
    1      conv5x5 192, 1x1 192, 1x1 192, avgpool3 s2, drop 192 x 8 x 8
    2      conv3x3 192, 1x1 192, 1x1 192                    192 x 8 x 8
    ====== ================================================ ============

    Every convolution has a bias and is followed by ReLU; pooling uses Caffe's
    (and TensorFlow 'SAME') output size, 32 -> 16 -> 8, via ``ceil_mode``.

    Modifications, all on purpose:

    - The original's last 1x1 convolution maps to ``num_classes`` channels and
      a global average pool gives the logits. Here it keeps 192 channels and
      the classification is left to the config: ``GlobalAveragePooling`` neck
      and ``LinearClsHead(in_channels=192)``. A linear layer after the average
      equals the original 1x1-conv-then-average, without the original's ReLU
      on the logits, and the 192-channel map is available to feature-based
      distillation.
    - The teacher of the seed (chengshengchan/model_compression, converted
      from Caffe) replaced that last stage end with two fully connected
      layers; that variant is not reproduced.
    - Weights are Kaiming-initialised (fan-in, ReLU) by default, as the
      network has no normalisation layers.
    - ``with_bn=True`` (not in the original) puts a BatchNorm between every
      convolution and its ReLU. Without it NiN needs many steps to leave
      chance level on a small training set; the digits demo's teacher uses
      it (``configs/_base_/models/nin_lenet.py``).

    Args:
        in_channels (int): Input channels. Defaults to 3.
        dropout (float): Dropout probability after stages 0 and 1.
            Defaults to 0.5 (the original's).
        out_indices (Sequence[int]): Stages whose outputs are returned.
            Defaults to (2, ).
        with_bn (bool): BatchNorm after every convolution. Defaults to
            False (the original network).
        init_cfg (dict | list[dict], optional): Initialisation config.
    """

    stage_channels = (96, 192, 192)

    def __init__(self,
                 in_channels: int = 3,
                 dropout: float = 0.5,
                 out_indices: Sequence[int] = (2, ),
                 with_bn: bool = False,
                 init_cfg: InitCfg = _KAIMING_INIT) -> None:
        super().__init__(init_cfg=init_cfg)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f'NiN: dropout must be in [0, 1), got {dropout}.')
        out_indices = tuple(out_indices)
        if not out_indices or any(i not in (0, 1, 2) for i in out_indices):
            raise ValueError(
                f'NiN: out_indices must be a non-empty subset of (0, 1, 2), '
                f'got {out_indices}.')
        self.out_indices = out_indices
        self.dropout = dropout
        stage0 = _mlpconv(('conv1', 192, 5, 2), [('cccp1', 160),
                                                 ('cccp2', 96)], in_channels,
                          with_bn)
        stage0 += [('pool1', nn.MaxPool2d(3, 2, ceil_mode=True)),
                   ('drop1', nn.Dropout(dropout))]
        stage1 = _mlpconv(('conv2', 192, 5, 2), [('cccp3', 192),
                                                 ('cccp4', 192)], 96, with_bn)
        stage1 += [('pool2', nn.AvgPool2d(3, 2, ceil_mode=True)),
                   ('drop2', nn.Dropout(dropout))]
        stage2 = _mlpconv(('conv3', 192, 3, 1), [('cccp5', 192),
                                                 ('cccp6', 192)], 192, with_bn)
        self.stages = nn.ModuleList(
            nn.Sequential(OrderedDict(layers))
            for layers in (stage0, stage1, stage2))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the outputs of the stages in ``out_indices``."""
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
