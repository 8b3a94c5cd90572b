"""Factor Transfer connectors: the teacher's paraphraser, the translator.

`Paraphrasing Complex Network: Network Compression via Factor Transfer
<https://arxiv.org/abs/1802.04977>`_ (Kim, Park, Kwak, NeurIPS 2018); layout of
the official code, Jangho-Kim/Factor-Transfer-pytorch.

The paraphraser is used twice, by two classes with the same parameters:

- stage 1, :class:`ParaphraserReconstruction`: returns ``decode(encode(x))``
  and is trained on the frozen teacher's feature with
  :class:`~reducekd.models.losses.ReconstructionLoss`;
- stage 2, :class:`Paraphraser`: returns the teacher factor ``encode(x)``,
  frozen, matched to the student's :class:`Translator` output with
  :class:`~reducekd.models.losses.FactorTransferLoss`.

Both have identical ``state_dict`` keys, so the stage-1 checkpoint of one
loads strictly into the other.
"""
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmrazor.models.architectures.connectors.base_connector import \
    BaseConnector

from reducekd.registry import MODELS


def _conv_stack(convs: List[nn.Module], out_channels: List[int],
                use_bn: bool) -> nn.Sequential:
    """Each conv followed by an optional BatchNorm and LeakyReLU(0.1)."""
    blocks = []
    for conv, channels in zip(convs, out_channels):
        layers = [conv]
        if use_bn:
            layers.append(nn.BatchNorm2d(channels))
        layers.append(nn.LeakyReLU(0.1))
        blocks.append(nn.Sequential(*layers))
    return nn.Sequential(*blocks)


def _check_channels(owner: nn.Module, x: torch.Tensor, channels: int) -> None:
    if x.dim() != 4 or x.shape[1] != channels:
        raise ValueError(
            f'{type(owner).__name__} expects a feature map of shape '
            f'(N, {channels}, H, W), got {tuple(x.shape)}.')


class BaseParaphraser(BaseConnector):
    """Convolutional auto-encoder on the teacher's last feature map.

    Spatial size is kept (all convolutions are 3x3, stride 1, padding 1, with
    bias). With ``m = in_channels`` and ``k = round(m * rate)`` factor
    channels, the layout is the official code's:

    - encoder: Conv(m, m), Conv(m, k), Conv(k, k);
    - decoder: ConvTranspose(k, k), ConvTranspose(k, m), ConvTranspose(m, m);

    each followed by LeakyReLU(0.1) (by BatchNorm first if ``use_bn``; the
    official code has no BN, mmrazor's variant may).

    Subclasses choose what ``forward`` returns; this base is not registered.

    Args:
        in_channels (int): Channels of the teacher feature map (``m``).
        rate (float): Paraphraser rate ``k / m``. Defaults to 0.5, the
            official value.
        use_bn (bool): BatchNorm after each convolution. Defaults to False.
        init_cfg (dict, optional): Initialisation config of
            :class:`~mmengine.model.BaseModule`. Defaults to None (PyTorch's
            default initialisation, as the official code).
    """

    def __init__(self,
                 in_channels: int,
                 rate: float = 0.5,
                 use_bn: bool = False,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        factor_channels = int(round(in_channels * rate))
        if in_channels < 1 or factor_channels < 1:
            raise ValueError(
                f'{type(self).__name__}: in_channels={in_channels} with '
                f'rate={rate} gives {factor_channels} factor channels; both '
                'must be >= 1.')
        self.in_channels = in_channels
        self.rate = rate
        self.factor_channels = factor_channels
        m, k = in_channels, factor_channels
        self.encoder = _conv_stack([
            nn.Conv2d(m, m, 3, 1, 1),
            nn.Conv2d(m, k, 3, 1, 1),
            nn.Conv2d(k, k, 3, 1, 1)
        ], [m, k, k], use_bn)
        self.decoder = _conv_stack([
            nn.ConvTranspose2d(k, k, 3, 1, 1),
            nn.ConvTranspose2d(k, m, 3, 1, 1),
            nn.ConvTranspose2d(m, m, 3, 1, 1)
        ], [k, m, m], use_bn)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Teacher feature (N, m, H, W) -> factor (N, k, H, W)."""
        _check_channels(self, x, self.in_channels)
        return self.encoder(x)

    def decode(self, factor: torch.Tensor) -> torch.Tensor:
        """Factor (N, k, H, W) -> reconstruction (N, m, H, W)."""
        _check_channels(self, factor, self.factor_channels)
        return self.decoder(factor)


@MODELS.register_module()
class ParaphraserReconstruction(BaseParaphraser):
    """Stage-1 paraphraser: returns the reconstruction ``decode(encode(x))``.

    Train it with ``ReconstructionLoss(preds_S=this(feature),
    preds_T=feature)`` on the frozen teacher's feature; its weights then load
    into :class:`Paraphraser`. Arguments as :class:`BaseParaphraser`.
    """

    @property
    def out_channels(self) -> int:
        """Channels of the output: the reconstruction has ``in_channels``."""
        return self.in_channels

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        """Reconstruct the teacher feature."""
        return self.decode(self.encode(feature))


@MODELS.register_module()
class Paraphraser(BaseParaphraser):
    """Stage-2 paraphraser: returns the teacher factor ``encode(x)``, frozen.

    The factor is the fixed target of the student's translator, so this
    class never trains: its parameters do not require gradients, its forward
    runs without autograd (the official code detaches the factor), and it
    stays in eval mode whatever ``train()`` is called with (BatchNorm, if
    any, keeps the statistics learned in stage 1). Load the stage-1
    :class:`ParaphraserReconstruction` weights into it. Arguments as
    :class:`BaseParaphraser`.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.requires_grad_(False)
        super().train(False)

    @property
    def out_channels(self) -> int:
        """Channels of the output: the factor has ``factor_channels``."""
        return self.factor_channels

    def train(self, mode: bool = True) -> 'Paraphraser':
        """Stay in eval mode: the stage-2 paraphraser is frozen."""
        return super().train(False)

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        """Extract the teacher factor (no gradient)."""
        with torch.no_grad():
            return self.encode(feature)


@MODELS.register_module()
class Translator(BaseConnector):
    """Student-side connector of Factor Transfer.

    Three 3x3 convolutions (stride 1, padding 1, bias): Conv(in, in),
    Conv(in, out), Conv(out, out), each followed by LeakyReLU(0.1) (by
    BatchNorm first if ``use_bn``), as in the official code. ``out_channels``
    must equal the paraphraser's ``factor_channels``.

    Args:
        in_channels (int): Channels of the student feature map.
        out_channels (int): Channels of the student factor.
        use_bn (bool): BatchNorm after each convolution. Defaults to False
            (official code; mmrazor's Translator uses BN).
        init_cfg (dict, optional): Initialisation config of
            :class:`~mmengine.model.BaseModule`. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 use_bn: bool = False,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels < 1 or out_channels < 1:
            raise ValueError(
                f'Translator: in_channels ({in_channels}) and out_channels '
                f'({out_channels}) must be >= 1.')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.layers = _conv_stack([
            nn.Conv2d(in_channels, in_channels, 3, 1, 1),
            nn.Conv2d(in_channels, out_channels, 3, 1, 1),
            nn.Conv2d(out_channels, out_channels, 3, 1, 1)
        ], [in_channels, out_channels, out_channels], use_bn)

    def forward_train(self, feature: torch.Tensor) -> torch.Tensor:
        """Student feature (N, in, H, W) -> student factor (N, out, H, W)."""
        _check_channels(self, feature, self.in_channels)
        return self.layers(feature)
