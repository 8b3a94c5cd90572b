"""Linear ("LoRA") branches trained beside ReduceNet's main convolution.

ReduceNet (https://github.com/ohmydroid/reducenet) adds, in its second
training stage, a linear branch beside the student's main convolution of
every block (the conv3x3 of a ResNet block, the projection conv1x1 of an
inverted residual); after training the branch is merged into that conv, so the deployed
student has exactly the plain student's structure. A :class:`LambdaReLU`
(VanillaNet, https://arxiv.org/abs/2305.12972) may sit inside the branch: it
starts as a ReLU and is annealed into the identity by
:class:`reducekd.engine.hooks.LambdaReLUAnnealHook`, so the branch is
non-linear while the student learns and linear when it is merged.

Every branch takes ``(in_channels, out_channels, kernel_size, stride)`` like
the convolution it accompanies ("same" padding, ``kernel_size // 2``), and
gives the kernel of that size and the bias equivalent to it with
``equivalent_kernel_bias()``.
"""
import torch
from torch import nn

from reducekd.errors import ConversionError
from reducekd.models.utils.reparameterize import (fuse_conv_bn,
                                                  pad_1x1_kernel)
from reducekd.registry import MODELS


class LambdaReLU(nn.Module):
    """VanillaNet's annealed activation: ``(1 - λ) * relu(x) + λ * x``.

    This is ``leaky_relu(x, negative_slope=λ)``; it is computed with tensor
    operations so that ``λ`` stays a buffer (saved in checkpoints, moved with
    the model) and is never read back to the host in ``forward``. ``λ`` starts
    at 0 (a ReLU) and reaches 1 (the identity) under
    :class:`reducekd.engine.hooks.LambdaReLUAnnealHook`.
    """

    def __init__(self):
        super().__init__()
        self.register_buffer('lambda_', torch.zeros(()))

    def set_lambda(self, value: float):
        """Set ``λ``, a number in ``[0, 1]``."""
        if not 0.0 <= value <= 1.0:
            raise ValueError(f'lambda must lie in [0, 1], got {value}')
        self.lambda_.fill_(value)

    def check_linear(self):
        """Raise unless ``λ == 1``, i.e. unless this activation is linear."""
        value = self.lambda_.item()
        if value != 1.0:
            raise ConversionError(
                f'LambdaReLU has lambda={value:g} < 1, so the branch is not '
                'linear yet and cannot be merged into a convolution: the '
                'LambdaReLUAnnealHook must finish annealing lambda to 1 '
                '(it does so by the end of training) before merging.')

    def forward(self, x):
        return x.clamp(min=0) + self.lambda_ * x.clamp(max=0)


@MODELS.register_module()
class LowRankConvBranch(nn.Module):
    """Low-rank branch: conv k x k(in, r) -> [LambdaReLU] -> conv1x1(r, out).

    Neither conv has a bias or a BatchNorm, as in ReduceNet's LoRA branch.
    With ``lambda_relu=True`` the branch can only be merged once ``λ == 1``.
    The up-projection starts at zero (as in LoRA), so a student that
    inherited its teacher's weights starts as exactly that network.

    Args:
        in_channels (int): Input channels of the accompanied conv.
        out_channels (int): Output channels of the accompanied conv.
        stride (int): Stride of the accompanied conv.
        rank (int): Channels between the two convolutions.
        lambda_relu (bool): Put a :class:`LambdaReLU` between them.
            Defaults to False.
        kernel_size (int): Kernel size of the accompanied conv (odd).
            Defaults to 3.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 stride: int,
                 rank: int,
                 lambda_relu: bool = False,
                 kernel_size: int = 3):
        super().__init__()
        if rank < 1:
            raise ValueError(f'rank must be a positive integer, got {rank}')
        self.down = nn.Conv2d(
            in_channels, rank, kernel_size, stride=stride,
            padding=kernel_size // 2, bias=False)
        self.act = LambdaReLU() if lambda_relu else nn.Identity()
        self.up = nn.Conv2d(rank, out_channels, 1, bias=False)
        nn.init.zeros_(self.up.weight)

    def forward(self, x):
        return self.up(self.act(self.down(x)))

    def equivalent_kernel_bias(self):
        """The k x k kernel (and a zero bias) equal to this branch.

        Raises:
            RuntimeError: If the branch's LambdaReLU has ``λ < 1``.
        """
        if isinstance(self.act, LambdaReLU):
            self.act.check_linear()
        kernel = torch.einsum('or,rihw->oihw', self.up.weight[:, :, 0, 0],
                              self.down.weight)
        return kernel, kernel.new_zeros(kernel.shape[0])


@MODELS.register_module()
class Conv1x1BNBranch(nn.Module):
    """RepVGG-style branch: conv1x1(in, out, stride) -> BatchNorm.

    The BatchNorm's scale starts at zero, so the branch starts as a zero
    function and an inheriting student starts as exactly its inherited
    network.

    Args:
        in_channels (int): Input channels of the accompanied conv.
        out_channels (int): Output channels of the accompanied conv.
        stride (int): Stride of the accompanied conv.
        kernel_size (int): Kernel size of the accompanied conv (odd): the
            1x1 kernel is padded to it when fused. Defaults to 3.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int,
                 kernel_size: int = 3):
        super().__init__()
        self.kernel_size = kernel_size
        self.conv = nn.Conv2d(
            in_channels, out_channels, 1, stride=stride, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        nn.init.zeros_(self.bn.weight)

    def forward(self, x):
        return self.bn(self.conv(x))

    def equivalent_kernel_bias(self):
        """The k x k kernel and bias equal to this branch in eval mode."""
        kernel, bias = fuse_conv_bn(self.conv, self.bn)
        return pad_1x1_kernel(kernel, self.kernel_size), bias
