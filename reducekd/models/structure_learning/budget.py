"""Budgets of structure learning: ``flops=0.5``, ``params=0.3``, ``flops=20M``.

`Compact CNN Structure Learning by Knowledge Distillation
<https://arxiv.org/abs/2104.09191>`_ learns a student under a FLOPs or
parameter budget. A budget names the metric (``flops``: multiply-adds as
mmengine counts them; ``params``) and a value: a plain number up to 1 is a
fraction of the teacher's cost, a larger number or one with a ``K``, ``M``
or ``G`` suffix is an absolute count.

A search refuses a budget that is not below the teacher's cost
(:func:`check_below_teacher`) rather than run: the teacher's own blocks score
best, so such a budget returns the teacher itself after the whole
block-wise training, which is never what a request for a compact student
means (most often it is a unit slip, ``params=5G`` for ``5M``).
"""
import re
from collections import namedtuple

from .costs import METRICS
from .knapsack import BudgetError

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
        BudgetError: The text is not of that form, or not positive.
    """
    match = _PATTERN.match(text.strip())
    if not match or match.group(1).lower() not in METRICS:
        raise BudgetError(
            f'budget {text!r} is not METRIC=VALUE with METRIC one of '
            f'{", ".join(METRICS)}: e.g. flops=0.5 (half the teacher\'s), '
            'params=0.3, flops=20M, params=150000.')
    metric, value, suffix = match.group(1).lower(), float(match.group(2)), \
        match.group(3).upper()
    if value <= 0:
        raise BudgetError(f'budget {text!r} must be positive.')
    if not suffix and value <= 1:
        limit = value * teacher_cost[metric]
    else:
        limit = value * _SUFFIX[suffix]
    return Budget(metric, int(limit + 1e-9), text)


def check_below_teacher(budget, teacher_cost, lowest):
    """Raise :class:`BudgetError` unless ``budget`` is below the teacher's
    cost, giving the range a student can have.

    Args:
        budget (Budget): The parsed budget.
        teacher_cost (dict): The teacher's ``flops`` and ``params``.
        lowest (int): The cheapest reachable student (same metric).
    """
    metric, teacher = budget.metric, teacher_cost[budget.metric]
    if budget.limit < teacher:
        return
    if lowest >= teacher:
        fix = ('No candidate of the search space is cheaper than the '
               "teacher's blocks: add cheaper candidates.")
    else:
        fix = (f'Give a budget from {lowest:,} (the cheapest reachable '
               f'student) to {teacher - 1:,} {metric}, e.g. '
               f"--budget {metric}=0.5 for half the teacher's.")
    raise BudgetError(
        f'the budget {budget.text!r} allows {metric} <= {budget.limit:,}, '
        f"not below the teacher's {teacher:,}: the search would return the "
        f'teacher itself. {fix}')
