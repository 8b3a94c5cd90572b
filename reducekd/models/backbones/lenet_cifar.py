"""LeNet-style student for 3x32x32 inputs (student of the logit KD family)."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmpretrain.models.backbones.base_backbone import BaseBackbone

from reducekd.registry import MODELS


@MODELS.register_module()
class LeNetCIFAR(BaseBackbone):
    """LeNet for 3x32x32 inputs, as a backbone that returns its last feature.

    After `LeCun et al., Gradient-Based Learning Applied to Document
    Recognition <https://doi.org/10.1109/5.726791>`_ (1998)::

        conv5x5 c1 - ReLU - maxpool2 - conv5x5 c2 - ReLU - maxpool2 - flatten
        - fc f1 - ReLU - ... - fc fn - ReLU - dropout

    with defaults c = (6, 16), f = (120, 84): a 32 -> 28 -> 14 -> 10 -> 5
    feature map, 400 flattened features, an 84-d output. The classifier is
    left to the config: ``LinearClsHead(in_channels=84)`` (no neck).

    Modifications from the original, on purpose: 3 input channels; ReLU
    instead of the scaled tanh; max pooling instead of trainable subsampling;
    C5 as a fully connected layer (the same thing on a 5x5 map); the last
    layer (F6 -> output) moved to the head.

    The student of the seed (chengshengchan/model_compression) is wider:
    ``conv_channels=(64, 128), fc_channels=(1024, )`` gives its layer sizes
    (its convolutions had no ReLU, which is not reproduced), and it had no
    dropout (its dropout argument only reached the teacher), hence the
    default ``dropout=0``.

    Args:
        in_channels (int): Input channels. Defaults to 3.
        conv_channels (Sequence[int]): Output channels of the two
            convolutions. Defaults to (6, 16).
        fc_channels (Sequence[int]): Widths of the fully connected layers;
            the last is the output feature's. Defaults to (120, 84).
        dropout (float): Dropout probability on the output feature.
            Defaults to 0.
        init_cfg (dict | list[dict], optional): Initialisation config.
            Defaults to None (PyTorch's default initialisation).
    """

    input_size = 32

    def __init__(self,
                 in_channels: int = 3,
                 conv_channels: Sequence[int] = (6, 16),
                 fc_channels: Sequence[int] = (120, 84),
                 dropout: float = 0.0,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        conv_channels, fc_channels = tuple(conv_channels), tuple(fc_channels)
        if len(conv_channels) != 2 or not fc_channels or min(conv_channels +
                                                             fc_channels) < 1:
            raise ValueError(
                'LeNetCIFAR: conv_channels must be two positive ints and '
                'fc_channels one or more, got '
                f'{conv_channels} and {fc_channels}.')
        if not 0.0 <= dropout < 1.0:
            raise ValueError(
                f'LeNetCIFAR: dropout must be in [0, 1), got {dropout}.')
        c1, c2 = conv_channels
        self.features = nn.Sequential(
            OrderedDict([
                ('conv1', nn.Conv2d(in_channels, c1, 5)),
                ('relu1', nn.ReLU()),
                ('pool1', nn.MaxPool2d(2)),
                ('conv2', nn.Conv2d(c1, c2, 5)),
                ('relu2', nn.ReLU()),
                ('pool2', nn.MaxPool2d(2)),
            ]))
        layers = []
        width = c2 * 5 * 5
        for i, out in enumerate(fc_channels, start=1):
            layers += [(f'fc{i}', nn.Linear(width, out)),
                       (f'relu_fc{i}', nn.ReLU())]
            width = out
        layers.append(('dropout', nn.Dropout(dropout)))
        self.fcs = nn.Sequential(OrderedDict(layers))
        self.out_channels = width

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        """Return ``(feature, )`` with feature of shape (N, out_channels)."""
        if x.shape[-2:] != (self.input_size, self.input_size):
            raise ValueError(
                f'LeNetCIFAR expects {self.input_size}x{self.input_size} '
                f'inputs, got {tuple(x.shape)}.')
        return (self.fcs(self.features(x).flatten(1)), )
