"""Where a teacher is split into blocks, and what each block sees.

`Compact CNN Structure Learning by Knowledge Distillation
<https://arxiv.org/abs/2104.09191>`_ optimises a network block by block.
Blocks are named by module path (``'backbone.layer2.0'``). A config may list
them (``blocks=[...]``); otherwise :func:`default_block_paths` takes every
residual block of mmpretrain's ``ResNet`` family (``ResNet``,
``ResNet_CIFAR``, reducekd's ``CifarResNet``), every inverted residual of
mmpretrain's ``MobileNetV2`` and of reducekd's ``ReduceMobileNetV2``, and
every block of ``ReduceResNet``.
"""
import torch
from mmpretrain.models.backbones import MobileNetV2, ResNet

from reducekd.errors import ConfigError
from reducekd.models.backbones import ReduceMobileNetV2, ReduceResNet


def _stage_blocks(backbone, stage_names):
    return [f'backbone.{name}.{index}' for name in stage_names
            for index in range(len(getattr(backbone, name)))]


def _mobilenet_stages(backbone):
    return [name for name in backbone.layers if name.startswith('layer')]


#: Backbone class -> the names of its stages (each a sequence of blocks).
DEFAULT_STAGES = {
    ResNet: lambda backbone: backbone.res_layers,
    MobileNetV2: _mobilenet_stages,
    ReduceMobileNetV2: _mobilenet_stages,
    ReduceResNet: lambda backbone: [
        f'layer{i + 1}' for i in range(backbone.num_stages)],
}


def default_block_paths(model):
    """The module paths of the blocks of ``model.backbone``.

    Raises:
        ConfigError: No default split is known for the backbone's type.
    """
    backbone = getattr(model, 'backbone', None)
    for backbone_type, stages in DEFAULT_STAGES.items():
        if isinstance(backbone, backbone_type):
            return _stage_blocks(backbone, stages(backbone))
    known = ', '.join(cls.__name__ for cls in DEFAULT_STAGES)
    raise ConfigError(
        f'no default block split for a {type(backbone).__name__} backbone '
        f'(known: {known}). List the blocks by module path in the search '
        "config: search = dict(blocks=['backbone.layer1.0', ...]).")


def check_block_paths(model, paths):
    """Every path names a submodule; none lies inside another.

    Raises:
        ConfigError: Naming the path that is wrong.
    """
    names = dict(model.named_modules())
    for path in paths:
        if path not in names:
            raise ConfigError(f'block {path!r} is not a module of the '
                              f'{type(model).__name__}.')
        for other in paths:
            if other != path and other.startswith(path + '.'):
                raise ConfigError(f'block {other!r} lies inside block '
                                  f'{path!r}: blocks must not overlap.')
    if len(set(paths)) != len(paths):
        raise ConfigError(f'a block is listed twice in {list(paths)}.')


class BlockRecorder:
    """Record the input and output of named blocks during forward passes.

    Tensors are cloned when recorded, so a later in-place operation cannot
    change them. Use as a context manager; ``inputs[path]`` and
    ``outputs[path]`` hold the latest batch.

    Args:
        model (nn.Module): The model whose blocks are recorded.
        paths (list[str]): Module paths of the blocks.
    """

    def __init__(self, model, paths):
        self.model = model
        self.paths = list(paths)
        self.inputs, self.outputs = {}, {}
        self._handles = []

    def __enter__(self):
        for path in self.paths:
            module = self.model.get_submodule(path)
            self._handles.append(module.register_forward_pre_hook(
                lambda _, args, path=path: self.inputs.__setitem__(
                    path, args[0].detach().clone())))
            self._handles.append(module.register_forward_hook(
                lambda _, args, out, path=path: self.outputs.__setitem__(
                    path, out.detach().clone())))
        return self

    def __exit__(self, *exc_info):
        for handle in self._handles:
            handle.remove()
        self._handles = []


def block_input_shapes(model, paths, input_shape):
    """``{path: (C, H, W)}``: what each block receives for one image of
    ``input_shape`` (a forward pass of the model in eval mode)."""
    was_training = model.training
    model.eval()
    with torch.no_grad(), BlockRecorder(model, paths) as recorder:
        model(torch.zeros(1, *input_shape), mode='tensor')
    model.train(was_training)
    return {path: tuple(recorder.inputs[path].shape[1:]) for path in paths}
