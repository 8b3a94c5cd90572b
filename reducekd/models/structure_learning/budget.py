"""Budgets of structure learning: ``flops=0.5``, ``params=0.3``, ``flops=20M``.

`Compact CNN Structure Learning by Knowledge Distillation
<https://arxiv.org/abs/2104.09191>`_ learns a student under a FLOPs or
parameter budget. A budget names the metric (``flops``: multiply-adds as
mmengine counts them; ``params``) and a value: a plain number up to 1 is a
fraction of the teacher's cost, a larger number or one with a ``K``, ``M``
or ``G`` suffix is an absolute count.
"""
import re
from collections import namedtuple

from .costs import METRICS

#: A parsed budget: the metric and the largest allowed cost (an integer).
Budget = namedtuple('Budget', 'metric limit text')

_SUFFIX = {'': 1, 'K': 10**3, 'M': 10**6, 'G': 10**9}
_PATTERN = re.compile(r'^(\w+)=([0-9]*\.?[0-9]+(?:e-?[0-9]+)?)([KMG]?)$',
                      re.IGNORECASE)


def parse_budget(text, teacher_cost):
    """Parse ``METRIC=VALUE`` against the teacher's cost.

    Args:
        text (str): e.g. ``'flops=0.5'``, ``'params=0.3'``, ``'flops=20M'``,
            ``'params=150000'``.
        teacher_cost (dict): The teacher's ``flops`` and ``params``.

    Returns:
        Budget: The metric and the limit in absolute units (rounded down).

    Raises:
        ValueError: The text is not of that form.
    """
    match = _PATTERN.match(text.strip())
    if not match or match.group(1).lower() not in METRICS:
        raise ValueError(
            f'budget {text!r} is not METRIC=VALUE with METRIC one of '
            f'{", ".join(METRICS)}: e.g. flops=0.5 (half the teacher\'s), '
            'params=0.3, flops=20M, params=150000.')
    metric, value, suffix = match.group(1).lower(), float(match.group(2)), \
        match.group(3).upper()
    if value <= 0:
        raise ValueError(f'budget {text!r} must be positive.')
    if not suffix and value <= 1:
        limit = value * teacher_cost[metric]
    else:
        limit = value * _SUFFIX[suffix]
    return Budget(metric, int(limit + 1e-9), text)
