"""A classifier that takes images as the dataset gives them.

In training, mmpretrain's ``ClsDataPreprocessor`` turns the dataset's uint8
images into the network's input (channel flip, ``(x - mean) / std``). An
inference runtime has no preprocessor, so the deployed model carries that
normalization itself: :class:`DeployableClassifier` is the network of one
config with the config's normalization in front, taking a float NCHW batch
of pixel values (0-255, the dataset's channel order) and returning logits.
"""
import torch
from torch import nn

from reducekd.complexity import build_in_scope
from reducekd.errors import ConfigError


def preprocessor_config(cfg):
    """The data preprocessor the Runner gives ``cfg``'s model.

    The model's own ``data_preprocessor`` wins; otherwise the config's
    top-level one, which the Runner sets as the model's default.
    """
    model_preprocessor = cfg.model.get('data_preprocessor')
    return model_preprocessor or cfg.get('data_preprocessor') or dict(
        type='ClsDataPreprocessor')


def build_preprocessor(cfg):
    """Build :func:`preprocessor_config` in the config's scope.

    Raises:
        ConfigError: The preprocessor is not mmpretrain's
            ``ClsDataPreprocessor`` (or a subclass), whose normalization is
            the one :class:`DeployableClassifier` knows how to carry.
    """
    from mmpretrain.models.utils import ClsDataPreprocessor
    preprocessor = build_in_scope(preprocessor_config(cfg),
                                  cfg.get('default_scope', 'reducekd'))
    if not isinstance(preprocessor, ClsDataPreprocessor):
        raise ConfigError(
            f'the data preprocessor of {cfg.filename} is '
            f'{type(preprocessor).__name__}; exporting knows the '
            'normalization of mmpretrain\'s ClsDataPreprocessor only. Set '
            "data_preprocessor=dict(type='ClsDataPreprocessor', mean=..., "
            'std=..., to_rgb=...) in the config.')
    return preprocessor


class DeployableClassifier(nn.Module):
    """``network(normalize(images))`` as one module, for export.

    Args:
        network (nn.Module): An mmpretrain-style classifier
            (``network(x, mode='tensor')`` gives logits), in eval mode.
        preprocessor (ClsDataPreprocessor): Its data preprocessor; its
            ``to_rgb``, ``mean`` and ``std`` are copied, nothing else of it
            is used (padding and batch augments are training-time steps).
    """

    def __init__(self, network, preprocessor):
        super().__init__()
        self.network = network
        self.to_rgb = bool(preprocessor.to_rgb)
        self.normalize = bool(preprocessor._enable_normalize)
        if self.normalize:
            self.register_buffer('mean', preprocessor.mean.detach().clone())
            self.register_buffer('std', preprocessor.std.detach().clone())

    def forward(self, images):
        """Logits of a float batch of images, ``(N, C, H, W)``, 0-255."""
        if self.to_rgb:
            images = images.flip(1)
        if self.normalize:
            images = (images - self.mean) / self.std
        return self.network(images, mode='tensor')


@torch.no_grad()
def reference_logits(network, preprocessor, images):
    """Logits of ``network`` on ``images`` through mmpretrain's own
    preprocessor: the path ``tools/test.py`` takes, independent of
    :class:`DeployableClassifier`'s copy of the normalization.

    Args:
        images (Tensor): A uint8 or float batch ``(N, C, H, W)``.
    """
    inputs = preprocessor(dict(inputs=list(images)), False)['inputs']
    return network(inputs, mode='tensor')
