"""Structural re-parameterization: the fusing maths and the model-level call.

Linear branches trained beside a convolution can be folded into it after
training (RepVGG, https://arxiv.org/abs/2101.03697). ReduceNet
(https://github.com/ohmydroid/reducenet) uses this to merge the LoRA branch
of its student into the student's main conv3x3, so that the deployed student
has exactly the plain student's structure.

Following timm and RepVGG, a module that can be fused has one method,
``reparameterize()``, which fuses it in place; :func:`reparameterize_model`
calls it on every such module of a model, on a copy by default.
"""
import copy

import torch
import torch.nn.functional as F
from torch import nn


def fuse_conv_bn(conv, bn):
    """Fold an eval-mode BatchNorm into the convolution it follows.

    ``bn(conv(x)) == conv(x, weight=kernel) + bias`` for the returned pair,
    with ``bn`` using its running statistics.

    Args:
        conv (nn.Conv2d): The convolution, with or without bias.
        bn (nn.BatchNorm2d): The BatchNorm applied to ``conv``'s output.

    Returns:
        tuple[Tensor, Tensor]: ``kernel`` of ``conv.weight``'s shape and
        ``bias`` of shape ``(out_channels,)``.
    """
    std = torch.sqrt(bn.running_var + bn.eps)
    scale = bn.weight / std
    kernel = conv.weight * scale.reshape(-1, 1, 1, 1)
    conv_bias = conv.bias if conv.bias is not None else torch.zeros_like(
        bn.running_mean)
    bias = bn.bias + (conv_bias - bn.running_mean) * scale
    return kernel, bias


def pad_1x1_kernel(kernel, kernel_size=3):
    """Zero-pad a 1x1 kernel to the ``kernel_size`` kernel of the same conv.

    A conv1x1 with padding 0 and a k x k conv with padding ``k // 2`` (k
    odd) sample the same input positions at any stride, so the 1x1 weight
    becomes the centre tap.

    Args:
        kernel (Tensor): Kernel of shape ``(out, in, 1, 1)``.
        kernel_size (int): The odd kernel size to pad to. Defaults to 3.

    Returns:
        Tensor: Kernel of shape ``(out, in, kernel_size, kernel_size)``.
    """
    pad = kernel_size // 2
    return F.pad(kernel, [pad, pad, pad, pad])


@torch.no_grad()
def fold_batchnorms(model: nn.Module):
    """Fold, in place, every BatchNorm that directly follows a convolution.

    Within each ``nn.Sequential``, a ``Conv2d`` followed by a ``BatchNorm2d``
    becomes one ``Conv2d`` with a bias (from :func:`fuse_conv_bn`) followed
    by an ``nn.Identity``. The result computes the same function as the
    eval-mode model with fewer operations, but no longer has the trained
    model's ``state_dict`` keys: it is for deployment, not for loading into
    a config. BatchNorms that do not directly follow a convolution (e.g.
    ReduceNet's ``merge.bn1``, which reads a sum of branches) stay.

    Args:
        model (nn.Module): The model; it should be in eval mode.

    Returns:
        int: How many BatchNorms were folded.
    """
    folded = 0
    for container in list(model.modules()):
        if not isinstance(container, nn.Sequential):
            continue
        names = list(container._modules)
        for first, second in zip(names, names[1:]):
            conv, bn = container._modules[first], container._modules[second]
            if not (isinstance(conv, nn.Conv2d)
                    and isinstance(bn, nn.BatchNorm2d)):
                continue
            kernel, bias = fuse_conv_bn(conv, bn)
            fused = nn.Conv2d(
                conv.in_channels, conv.out_channels, conv.kernel_size,
                stride=conv.stride, padding=conv.padding,
                dilation=conv.dilation, groups=conv.groups, bias=True,
                device=kernel.device, dtype=kernel.dtype)
            fused.weight.copy_(kernel)
            fused.bias.copy_(bias)
            container._modules[first] = fused
            container._modules[second] = nn.Identity()
            folded += 1
    return folded


@torch.no_grad()
def reparameterize_model(model: nn.Module, inplace: bool = False,
                         fuse_bn: bool = False):
    """Fuse every module of ``model`` that has a ``reparameterize()`` method.

    Args:
        model (nn.Module): The model to fuse.
        inplace (bool): Fuse ``model`` itself instead of a deep copy.
            Defaults to False.
        fuse_bn (bool): Also fold BatchNorms into the convolutions they
            follow (:func:`fold_batchnorms`); the result is a deploy model
            whose ``state_dict`` no longer matches a config. Defaults to
            False: only the branches are merged, and a ReduceNet student
            keeps exactly the plain student's structure.

    Returns:
        nn.Module: The fused model (``model`` itself when ``inplace``).
    """
    if not inplace:
        model = copy.deepcopy(model)
    for module in list(model.modules()):
        if hasattr(module, 'reparameterize'):
            module.reparameterize()
    if fuse_bn:
        model.eval()
        fold_batchnorms(model)
    return model
