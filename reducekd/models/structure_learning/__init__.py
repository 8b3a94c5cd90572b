"""Compact CNN structure learning by knowledge distillation.

Ahmed et al., https://arxiv.org/abs/2104.09191: block-wise distillation
learns a lighter CNN under a FLOPs or parameter budget.
"""
from . import (assemble, blocks, blockwise, budget, candidates,  # noqa: F401
               costs, inverted_residual_candidates, knapsack, search)
