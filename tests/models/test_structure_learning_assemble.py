"""Structure learning: the assembled student meets its budget.

The student written by the search is rebuilt from its config and counted
independently of mmengine: parameters by ``numel``, multiply-adds by forward
hooks with the counting rules mmengine's analysis applies (convolutions and
linear layers: one per multiply-add; BatchNorm in eval mode: two per
element; global average pooling: one per input element; ReLUs and additions
are not counted).
"""
import json
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import DefaultScope

import reducekd.models  # noqa: F401  (registers every module)
from reducekd.checkpoint import (CheckpointError, load_local_checkpoint,
                                 state_dict_of)
from reducekd.models.structure_learning.blocks import (block_input_shapes,
                                                       default_block_paths)
from reducekd.models.structure_learning.candidates import build_candidate
from reducekd.models.structure_learning.knapsack import BudgetError
from reducekd.models.structure_learning.search import run_search
from reducekd.registry import MODELS

from conftest import tiny_config

SEARCH = tiny_config('tiny_search_digits.py')
SHAPE = (3, 32, 32)


def hook_madds(module, input_shape):
    """Multiply-adds of convs and linears for one input, by hooks."""
    total = []

    def count(layer, args, out):
        if isinstance(layer, nn.Conv2d):
            per_output = layer.in_channels // layer.groups * \
                layer.kernel_size[0] * layer.kernel_size[1]
            total.append(out.numel() * per_output)
        elif isinstance(layer, nn.Linear):
            total.append(out.numel() * layer.in_features)
        elif isinstance(layer, nn.BatchNorm2d):  # eval: scale and shift
            total.append(2 * out.numel())
        else:  # global average pooling: one addition per input element
            total.append(args[0].numel())

    counted = (nn.Conv2d, nn.Linear, nn.BatchNorm2d, nn.AdaptiveAvgPool2d)
    handles = [m.register_forward_hook(count) for m in module.modules()
               if isinstance(m, counted)]
    module.eval()
    with torch.no_grad():
        if hasattr(module, 'extract_feat'):
            module(torch.zeros(1, *input_shape), mode='tensor')
        else:
            module(torch.zeros(1, *input_shape))
    for handle in handles:
        handle.remove()
    return sum(total)


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def build(model_cfg):
    with DefaultScope.overwrite_default_scope('reducekd'):
        return MODELS.build(model_cfg)


@pytest.fixture(scope='module')
def teacher_model(trained_teacher):
    model = build(Config.fromfile(SEARCH).model)
    model.load_state_dict(state_dict_of(load_local_checkpoint(
        str(trained_teacher))))
    return model.eval()


def smallest_madds(teacher):
    """Teacher MAdds with every block replaced by its cheapest candidate
    of the tiny search space, counted by hooks."""
    cfg = Config.fromfile(SEARCH)
    paths = default_block_paths(teacher)
    shapes = block_input_shapes(teacher, paths, SHAPE)
    total = hook_madds(teacher, SHAPE)
    for path in paths:
        block = teacher.get_submodule(path)
        options = [hook_madds(block, shapes[path])] + [
            hook_madds(build_candidate(c, block, shapes[path], path),
                       shapes[path]) for c in cfg.search.candidates]
        total += min(options) - options[0]
    return total


def test_teacher_count_by_hooks_agrees_with_mmengine(teacher_model):
    from reducekd.complexity import measure
    assert hook_madds(teacher_model, SHAPE) == measure(teacher_model)['madds']


@pytest.fixture(scope='module')
def tightest(teacher_model):
    return smallest_madds(teacher_model)


@pytest.fixture(scope='module')
def search(trained_teacher, tmp_path_factory):
    """``search(budget) -> (summary, work_dir)``, each budget run once."""
    done = {}

    def run(budget):
        if budget not in done:
            work_dir = tmp_path_factory.mktemp('search')
            done[budget] = (run_search(
                SEARCH, budget, str(work_dir),
                teacher_ckpt=str(trained_teacher), iters=1,
                log=lambda line: None), work_dir)
        return done[budget]

    return run


@pytest.mark.parametrize('budget', ['tightest', 'flops=0.5', 'params=0.6'])
def test_student_meets_the_budget_measured_on_the_built_model(
        budget, tightest, teacher_model, search):
    teacher_madds = hook_madds(teacher_model, SHAPE)
    teacher_params = n_params(teacher_model)
    if budget == 'tightest':
        budget = f'flops={tightest}'
        limit = ('flops', tightest)
    else:
        metric, value = budget.split('=')
        limit = (metric, int(float(value) * dict(
            flops=teacher_madds, params=teacher_params)[metric]))
    summary, work_dir = search(budget)
    cfg = Config.fromfile(str(work_dir / 'student_alone.py'))
    student = build(cfg.model)  # loads student_init.pth strictly
    measured = dict(flops=hook_madds(student, SHAPE),
                    params=n_params(student))
    assert measured[limit[0]] <= limit[1]
    assert summary['predicted_cost'] == measured
    assert summary['student_cost'] == measured
    if budget == f'flops={tightest}':
        assert measured['flops'] == tightest
    with open(work_dir / 'choice.json') as file:
        assert json.load(file)['limit'] == limit[1]
    # The init checkpoint holds the teacher's weights outside the swapped
    # blocks.
    swapped = [b['path'] + '.' for b in summary['blocks']]
    teacher_state = teacher_model.state_dict()
    for key, value in student.state_dict().items():
        if not any(key.startswith(p) for p in swapped):
            assert torch.equal(value, teacher_state[key]), key


def test_budget_below_the_tightest_fails_before_training(
        tightest, trained_teacher, tmp_path):
    with pytest.raises(BudgetError, match=f'smallest reachable flops is '
                       f'{tightest:,}'):
        run_search(SEARCH, f'flops={tightest - 1}', str(tmp_path),
                   teacher_ckpt=str(trained_teacher), iters=10**9,
                   log=lambda line: None)
    assert not osp.exists(tmp_path / 'student_init.pth')


def test_init_checkpoint_must_exist_and_match(trained_teacher, search,
                                              tmp_path):
    _, work_dir = search('flops=0.5')
    model_cfg = Config.fromfile(str(work_dir / 'student_alone.py')).model
    missing = dict(model_cfg, init_checkpoint=str(tmp_path / 'no.pth'))
    with pytest.raises(CheckpointError, match=r'no\.pth.*does not exist.*'
                       r'structure_search\.py'):
        build(missing)
    # The teacher's checkpoint does not fit a student with swapped blocks.
    wrong = dict(model_cfg, init_checkpoint=str(trained_teacher))
    with pytest.raises(CheckpointError, match='missing keys'):
        build(wrong)
