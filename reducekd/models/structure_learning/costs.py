"""Exact costs of blocks and models, measured by mmengine's analysis.

The budget of `Compact CNN Structure Learning by Knowledge Distillation
<https://arxiv.org/abs/2104.09191>`_ is in FLOPs or parameters. Both are
measured here with mmengine's ``get_model_complexity_info``, never
estimated: ``flops`` is its count of multiply-adds (one fused multiply-add
is one "flop", as in :func:`reducekd.complexity.measure`), ``params`` the
number of parameters. Both are additive over disjoint blocks, so a student's
cost is the teacher's minus its replaced blocks plus their replacements;
the search checks that against the assembled model.
"""
import torch
from mmengine.analysis import get_model_complexity_info

from reducekd.complexity import measure, quiet_analysis

#: The resources a budget can constrain.
METRICS = ('flops', 'params')


def module_cost(module, input_shape):
    """``dict(flops=..., params=...)`` of ``module`` on one input of
    ``input_shape`` ``(C, H, W)``, in eval mode."""
    was_training = module.training
    module.eval()
    with torch.no_grad(), quiet_analysis():
        info = get_model_complexity_info(
            module, inputs=(torch.zeros(1, *input_shape), ),
            show_table=False, show_arch=False)
    module.train(was_training)
    return dict(flops=int(info['flops']), params=int(info['params']))


def model_cost(model, input_shape):
    """``dict(flops=..., params=...)`` of a whole classifier on one image."""
    cost = measure(model, input_shape)
    return dict(flops=cost['madds'], params=cost['params'])
