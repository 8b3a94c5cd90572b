"""The plain CIFAR ResNets of depth 6n + 2 (ResNet-20, -32, -44, -56, -110).

He et al., `Deep Residual Learning for Image Recognition
<https://arxiv.org/abs/1512.03385>`_, section 4.2: a 3x3 stem of 16 channels,
three stages of ``n`` basic blocks with 16/32/64 channels and strides 1/2/2,
global average pooling, a linear classifier. mmpretrain's ``ResNet_CIFAR``
only knows the ImageNet depths (18, 34, 50, ...), which have four stages of
64-512 channels; the distillation literature's CIFAR pairs (ResNet-56 ->
ResNet-20 in Factor Transfer's official code, RepDistiller, torchdistill) use
these thin networks instead.
"""
from mmpretrain.models.backbones import ResNet_CIFAR
from mmpretrain.models.backbones.resnet import BasicBlock

from reducekd.registry import MODELS


@MODELS.register_module()
class CifarResNet(ResNet_CIFAR):
    """CIFAR ResNet of depth ``6n + 2`` on mmpretrain's ResNet building blocks.

    The layout of Factor Transfer's official code (Jangho-Kim/
    Factor-Transfer-pytorch, ``Models/resnet.py``, ``ResNet_simple``):
    conv3x3(3, 16)-BN-ReLU, then stages ``layer1``-``layer3`` of ``n``
    :class:`~mmpretrain.models.backbones.resnet.BasicBlock` (conv3x3-BN-ReLU-
    conv3x3-BN, plus the shortcut, then ReLU), where a block that changes the
    shape has a conv1x1(stride)-BN shortcut (He et al.'s option B). The
    output of ``layer3`` (64 channels, 8x8 for a 32x32 input) is the feature
    map Factor Transfer's paraphraser and translator read.

    Parameters of the classifier with a 10-class linear head: ResNet-20
    272,474; ResNet-56 855,770 (the zero-padding shortcut of He et al.'s
    option A would give 269,722 and 853,018).

    Differences from the official code: mmpretrain's Kaiming initialisation
    of the convolutions (the official code keeps PyTorch's default), and the
    residual BatchNorms are not zero-initialised (``zero_init_residual``
    False, like the official code; mmpretrain's ResNet defaults to True).

    Args:
        depth (int): ``6n + 2``: 20, 32, 44, 56, 110 or 1202.
        base_channels (int): Channels of the stem and the first stage.
            Defaults to 16.
        out_indices (Sequence[int]): Stages whose outputs are returned.
            Defaults to ``(2, )``, the last one.
        zero_init_residual (bool): Zero-initialise the last BatchNorm of each
            block. Defaults to False.
        **kwargs: Other arguments of mmpretrain's ``ResNet`` (``norm_cfg``,
            ``frozen_stages``, ``init_cfg``, ...).
    """

    arch_settings = {
        depth: (BasicBlock, ((depth - 2) // 6, ) * 3)
        for depth in (20, 32, 44, 56, 110, 1202)
    }

    def __init__(self,
                 depth,
                 base_channels=16,
                 out_indices=(2, ),
                 zero_init_residual=False,
                 **kwargs):
        if depth not in self.arch_settings:
            raise ValueError(
                f'CifarResNet depth must be one of '
                f'{sorted(self.arch_settings)} (6n + 2), got {depth}.')
        for fixed in ('num_stages', 'strides', 'dilations', 'stem_channels'):
            if fixed in kwargs:
                raise TypeError(
                    f'CifarResNet has 3 stages with strides 1, 2, 2 and a '
                    f'stem of base_channels channels; {fixed!r} cannot be '
                    'set.')
        super().__init__(
            depth,
            stem_channels=base_channels,
            base_channels=base_channels,
            num_stages=3,
            strides=(1, 2, 2),
            dilations=(1, 1, 1),
            out_indices=out_indices,
            zero_init_residual=zero_init_residual,
            **kwargs)
