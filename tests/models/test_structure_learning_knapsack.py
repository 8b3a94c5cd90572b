"""Structure learning: the exact budget-constrained choice and budgets.

Every expected value is found by brute force over all combinations or
written by hand, never by the code under test.
"""
import itertools
import random

import pytest

from reducekd.models.structure_learning.budget import parse_budget
from reducekd.models.structure_learning.knapsack import BudgetError, choose


def brute_force(costs, scores, budget, fixed):
    """Least total score (then least cost) over every combination."""
    best = None
    for indices in itertools.product(*(range(len(c)) for c in costs)):
        cost = fixed + sum(c[i] for c, i in zip(costs, indices))
        score = sum(s[i] for s, i in zip(scores, indices))
        if cost <= budget and (best is None or (score, cost) < best[:2]):
            best = (score, cost, indices)
    return best


def random_instance(rng, blocks=5, options=4):
    costs = [[rng.randint(1, 60) for _ in range(options)]
             for _ in range(blocks)]
    scores = [[round(rng.random(), 3) for _ in range(options)]
              for _ in range(blocks)]
    return costs, scores


@pytest.mark.parametrize('seed', range(6))
def test_choice_is_optimal_against_brute_force(seed):
    rng = random.Random(seed)
    costs, scores = random_instance(rng, blocks=rng.randint(2, 5),
                                    options=rng.randint(2, 4))
    fixed = rng.randint(0, 30)
    tightest = fixed + sum(min(c) for c in costs)
    loosest = fixed + sum(max(c) for c in costs)
    for budget in sorted({tightest, tightest + 1, (tightest + loosest) // 2,
                          loosest - 1, loosest}):
        expected = brute_force(costs, scores, budget, fixed)
        choice = choose(costs, scores, budget, fixed)
        # The chosen indices really cost and score what is reported.
        assert choice.cost == fixed + sum(
            c[i] for c, i in zip(costs, choice.indices))
        assert choice.score == pytest.approx(
            sum(s[i] for s, i in zip(scores, choice.indices)))
        assert choice.cost <= budget
        assert choice.score == pytest.approx(expected[0], abs=1e-9)


def test_tightest_budget_takes_the_cheapest_options():
    costs = [[10, 4, 7], [9, 3], [5, 6]]
    scores = [[0.0, 0.9, 0.2], [0.0, 0.5], [0.0, 0.1]]
    choice = choose(costs, scores, budget=100 + 4 + 3 + 5, fixed=100)
    assert choice.indices == [1, 1, 0]
    assert choice.cost == 112
    # One unit more buys nothing better: 7 + 3 + 5 = 15 > 13.
    assert choose(costs, scores, 113, fixed=100).indices == [1, 1, 0]
    # 2 more: block 0 can switch to 7 (0.2 instead of 0.9): 7+3+5 = 15.
    assert choose(costs, scores, 115, fixed=100).indices == [2, 1, 0]


def test_unreachable_budget_states_the_smallest_reachable_cost():
    costs = [[10, 4, 7], [9, 3], [5, 6]]
    scores = [[0.0, 0.9, 0.2], [0.0, 0.5], [0.0, 0.1]]
    # Smallest reachable by hand: 1000 + 4 + 3 + 5 = 1012.
    with pytest.raises(BudgetError, match=r'smallest reachable flops is '
                       r'1,012'):
        choose(costs, scores, budget=1011, fixed=1000, unit='flops')
    choose(costs, scores, budget=1012, fixed=1000, unit='flops')


@pytest.mark.parametrize('text,metric,limit', [
    ('flops=0.5', 'flops', 20_000_000),
    ('params=0.25', 'params', 75_000),
    ('flops=20M', 'flops', 20_000_000),
    ('params=1.5K', 'params', 1_500),
    ('params=150000', 'params', 150_000),
    ('FLOPS=1', 'flops', 40_000_000),
])
def test_parse_budget(text, metric, limit):
    budget = parse_budget(text, dict(flops=40_000_000, params=300_000))
    assert (budget.metric, budget.limit) == (metric, limit)


@pytest.mark.parametrize('text', ['flops', 'macs=0.5', 'flops=-1',
                                  'params=abc'])
def test_parse_budget_rejects(text):
    with pytest.raises(ValueError, match='budget'):
        parse_budget(text, dict(flops=1, params=1))
