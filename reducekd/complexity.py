"""Parameters and multiply-adds of models, measured by mmengine's analysis."""
import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope

from reducekd.logs import logger_at_level
from reducekd.registry import MODELS


def referenced_model(model_cfg, scope='reducekd'):
    """``(model config, scope)`` of a model given by another config file.

    mmrazor's zoo configs name their teachers and students as
    ``dict(cfg_path='mmpretrain::resnet/resnet34_8xb32_in1k.py',
    pretrained=False)``; mmrazor builds them from that file's ``model`` in
    that file's scope. Any other model config comes back as it is.
    """
    if 'cfg_path' not in model_cfg:
        return model_cfg, scope
    from reducekd.config_check import load_config  # it imports the models
    cfg = load_config(model_cfg['cfg_path'])
    return cfg.model, cfg.get('default_scope', scope)


def build_in_scope(model_cfg, scope='reducekd'):
    """Build a model config under ``scope`` (as the Runner would); a model
    given by reference is built from its file (:func:`referenced_model`)."""
    model_cfg, scope = referenced_model(model_cfg, scope)
    with DefaultScope.overwrite_default_scope(scope):
        return MODELS.build(model_cfg)


def quiet_analysis():
    """Hide, inside a ``with`` block, mmengine's warnings about the
    operators its counter skips (BatchNorm, additions, pooling): the figure
    is the MAdds of the convolutions and linear layers, and the warnings are
    the same on every count."""
    return logger_at_level(MMLogger.get_current_instance())


def measure(model, input_shape=(3, 32, 32)):
    """Parameters and MAdds of one forward pass of ``model`` on one image.

    mmengine counts one fused multiply-add as one "flop", so its figure is
    the MAdds count that torchsummaryX and the ReduceNet README report. Its
    warnings about skipped operators are hidden (:func:`quiet_analysis`).

    Returns:
        dict: ``params`` and ``madds`` (ints).
    """
    was_training = model.training
    model.eval()
    with torch.no_grad(), quiet_analysis():
        info = get_model_complexity_info(model, input_shape=input_shape,
                                         show_table=False, show_arch=False)
    model.train(was_training)
    return dict(params=int(info['params']), madds=int(info['flops']))


def models_of_config(cfg):
    """``[(role, model_cfg)]``: the teacher and the student of a
    distillation config (those it has), or the single model of a plain one."""
    model = cfg.model
    roles = [(role, model[key]) for role, key in (('teacher', 'teacher'),
                                                  ('student', 'architecture'))
             if key in model]
    return roles or [('model', model)]


def human(number):
    """``1,640,234`` -> ``'1.64M'``; ``272,474`` -> ``'272.47K'``."""
    for unit, size in (('G', 1e9), ('M', 1e6), ('K', 1e3)):
        if number >= size:
            return f'{number / size:.2f}{unit}'
    return str(number)
