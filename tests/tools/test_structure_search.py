"""Structure learning through the user's tools: search, fine-tune, test."""
import json
import re

import pytest
import torch
from mmengine.config import Config

from conftest import REPO, python_tool, run, tiny_config

SEARCH = tiny_config('tiny_search_digits.py')


def test_search_then_finetune_with_kd_then_test(trained_teacher, tmp_path):
    work = tmp_path / 'search'
    result = run(python_tool('structure_search.py', SEARCH, '--budget',
                             'flops=0.5', '--teacher-ckpt', trained_teacher,
                             '--work-dir', work, '--blockwise-iters', 2),
                 cwd=REPO)
    assert re.search(r'iter 2/2, .* ETA', result.stdout)
    for name in ('student_kd.py', 'student_alone.py', 'uniform_alone.py',
                 'uniform_kd.py', 'student_init.pth', 'choice.md'):
        assert (work / name).is_file(), name
    summary = json.loads((work / 'choice.json').read_text())
    assert summary['student_cost']['flops'] <= summary['limit']
    table = (work / 'choice.md').read_text()
    for block in summary['blocks']:
        assert f'| {block["path"]} |' in table
    # block-wise initialised students fine-tune at 0.1 x the search
    # config's lr, the randomly initialised baselines at the full lr
    lr = Config.fromfile(SEARCH).optim_wrapper.optimizer.lr
    for name, expected in (('student_kd.py', 0.1 * lr),
                           ('student_alone.py', 0.1 * lr),
                           ('uniform_kd.py', lr), ('uniform_alone.py', lr)):
        written = Config.fromfile(str(work / name))
        assert written.optim_wrapper.optimizer.lr == \
            pytest.approx(expected), name

    # The written KD config trains unchanged, through dist_train.sh.
    finetune = tmp_path / 'finetune'
    run(['sh', 'tools/dist_train.sh', 'local', 'demo', work / 'student_kd.py',
         finetune], cwd=REPO)
    # The student started from student_init.pth: after one epoch its
    # weights differ, but the frozen teacher's match the teacher's file.
    state = torch.load(finetune / 'epoch_1.pth',
                       weights_only=True)['state_dict']
    teacher = torch.load(trained_teacher, weights_only=True)['state_dict']
    for key, value in teacher.items():
        assert torch.equal(state['teacher.' + key], value), key
    result = run(python_tool('test.py', work / 'student_kd.py',
                             finetune / 'epoch_1.pth', '--eval', 'accuracy',
                             '--metrics-json', tmp_path / 'metrics.json'),
                 cwd=REPO)
    top1 = json.loads((tmp_path / 'metrics.json').read_text())[
        'accuracy/top1']
    assert 0 <= top1 <= 100

    # A missing init checkpoint stops train.py before the first iteration.
    result = run(python_tool('train.py', work / 'student_alone.py',
                             '--work-dir', tmp_path / 'missing',
                             '--cfg-options',
                             'model.init_checkpoint=/nowhere/init.pth'),
                 cwd=REPO, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "init_checkpoint '/nowhere/init.pth' does not exist" in output
    assert 'tools/structure_search.py' in output
    assert 'Epoch(train)' not in output


def test_unreachable_budget_is_refused(trained_teacher, tmp_path):
    result = run(python_tool('structure_search.py', SEARCH, '--budget',
                             'flops=1K', '--teacher-ckpt', trained_teacher,
                             '--work-dir', tmp_path), cwd=REPO, check=False)
    assert result.returncode != 0
    assert re.search(r'smallest reachable flops is [0-9,]+', result.stderr)
    assert not (tmp_path / 'student_init.pth').exists()


@pytest.mark.parametrize('budget', ['params=5G', 'flops=1'])
def test_budget_not_below_the_teacher_is_refused(trained_teacher, tmp_path,
                                                 budget):
    result = run(python_tool('structure_search.py', SEARCH, '--budget',
                             budget, '--teacher-ckpt', trained_teacher,
                             '--work-dir', tmp_path), cwd=REPO, check=False)
    assert result.returncode == 2, result.stderr
    metric = budget.split('=')[0]
    assert re.fullmatch(
        rf"BudgetError: the budget '{budget}' allows {metric} <= [0-9,]+, "
        rf"not below the teacher's [0-9,]+: the search would return the "
        rf'teacher itself. Give a budget from [0-9,]+ \(the cheapest '
        rf'reachable student\) to [0-9,]+ {metric}, e.g. --budget '
        rf"{metric}=0.5 for half the teacher's.\n", result.stderr)
    assert 'iter' not in result.stdout  # refused before block-wise training
    assert not list(tmp_path.iterdir())
