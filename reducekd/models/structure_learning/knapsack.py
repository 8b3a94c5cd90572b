"""Exact budget-constrained choice of one candidate per block.

`Compact CNN Structure Learning by Knowledge Distillation
<https://arxiv.org/abs/2104.09191>`_ picks the blocks of a student under a
FLOPs or parameter budget. With one option per block to choose, each with an
integer cost and a score (lower is better), minimising the total score
subject to the total cost is a multiple-choice knapsack problem.
:func:`choose` solves it exactly by dynamic programming over Pareto fronts:
after each block it keeps, for every reachable total cost, only the partial
choices that no other one beats in both cost and score. Costs stay exact
integers (no discretisation), so the answer is optimal, not approximate.
"""
from collections import namedtuple

from reducekd.errors import InputError

#: The result of :func:`choose`: one option index per block, and totals
#: (the fixed cost included).
Choice = namedtuple('Choice', 'indices cost score')


class BudgetError(InputError, ValueError):
    """The budget cannot be used: not understood, unreachable, or (in a
    search) not below the teacher's cost."""


def smallest_cost(costs, fixed=0):
    """The cheapest reachable total: the fixed cost plus each block's
    cheapest option."""
    return fixed + sum(min(block) for block in costs)


def check_reachable(costs, budget, fixed=0, unit=''):
    """Raise :class:`BudgetError`, stating the smallest reachable cost, when
    ``budget`` is below it."""
    lowest = smallest_cost(costs, fixed)
    if budget < lowest:
        raise BudgetError(
            f'the budget {unit}<={budget:,} cannot be met: the smallest '
            f'reachable {unit or "cost"} is {lowest:,} (the cheapest option '
            'of every block). Raise the budget or add cheaper candidates to '
            'the search space.')


def choose(costs, scores, budget, fixed=0, unit=''):
    """One option per block, minimising the total score within the budget.

    Args:
        costs (list[list[int]]): ``costs[b][i]``: cost of option ``i`` of
            block ``b``.
        scores (list[list[float]]): Scores, same layout; lower is better.
        budget (int): Largest allowed total cost, ``fixed`` included.
        fixed (int): Cost of everything outside the blocks.
        unit (str): Name of the cost, for the error message.

    Returns:
        Choice: Among the optimal choices, the cheapest.

    Raises:
        BudgetError: The budget is below the smallest reachable cost, which
            the message states.
    """
    if len(costs) != len(scores) or any(
            len(c) != len(s) or not c for c, s in zip(costs, scores)):
        raise ValueError('costs and scores need the same, non-empty, '
                         'options for every block.')
    check_reachable(costs, budget, fixed, unit)
    # Cost still needed after block b by the cheapest options of later
    # blocks: partial choices that cannot finish within budget are dropped.
    rest = [0] * (len(costs) + 1)
    for b in range(len(costs) - 1, -1, -1):
        rest[b] = rest[b + 1] + min(costs[b])
    front = [(fixed, 0.0, ())]
    for b, (block_costs, block_scores) in enumerate(zip(costs, scores)):
        extended = sorted(
            (cost + c, score + s, indices + (i, ))
            for cost, score, indices in front
            for i, (c, s) in enumerate(zip(block_costs, block_scores))
            if cost + c + rest[b + 1] <= budget)
        front = []
        for state in extended:  # by cost, then score: keep improvements
            if not front or state[1] < front[-1][1]:
                front.append(state)
    cost, score, indices = min(front, key=lambda state: (state[1], state[0]))
    return Choice(list(indices), cost, score)
