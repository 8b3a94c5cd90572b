"""Structure learning on MobileNetV2 with inverted-residual candidates."""
import pytest
import torch
from mmengine.config import Config
from torch import nn

from conftest import tiny_config
from reducekd.complexity import build_in_scope
from reducekd.models.backbones import ReduceInvertedResidual
from reducekd.models.structure_learning.costs import model_cost
from reducekd.models.structure_learning.search import run_search

SEARCH = tiny_config('tiny_search_mbv2_digits.py')


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    teacher = build_in_scope(Config.fromfile(SEARCH).model)
    path = tmp_path_factory.mktemp('mbv2') / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, path)
    return str(path)


@pytest.mark.parametrize('budget', ['flops=0.5', 'params=0.2'])
def test_search_meets_the_budget_with_a_mobilenet_v2_student(
        budget, teacher_ckpt, tmp_path):
    summary = run_search(SEARCH, budget, str(tmp_path),
                         teacher_ckpt=teacher_ckpt, log=lambda line: None)
    metric, fraction = budget.split('=')
    teacher = summary['teacher_cost']
    assert summary['limit'] == int(float(fraction) * teacher[metric])
    # measured again here, on the student the written config builds
    student = build_in_scope(
        Config.fromfile(str(tmp_path / 'student_alone.py')).model)
    cost = model_cost(student, (3, 32, 32))
    assert cost == summary['student_cost']
    assert cost[metric] <= float(fraction) * teacher[metric]
    # a MobileNetV2-family network: every block an inverted residual or
    # dropped, and some blocks dropped or changed
    blocks = [student.get_submodule(f'backbone.layer{i}.{j}')
              for i in range(1, 8)
              for j in range(len(student.get_submodule(
                  f'backbone.layer{i}')))]
    assert len(blocks) == 17
    assert all(isinstance(b, (ReduceInvertedResidual, nn.Identity))
               for b in blocks)
    assert summary['blocks']
    # the identity only where the teacher block keeps its shape (the
    # blocks with MobileNetV2's identity shortcut)
    teacher = build_in_scope(Config.fromfile(SEARCH).model)
    skipped = [b['path'] for b in summary['blocks']
               if b['candidate']['type'] == 'SkipBlock']
    assert all(teacher.get_submodule(path).use_residual for path in skipped)
    table = (tmp_path / 'choice.md').read_text()
    assert 'identity' in table and 'inverted residual x0.5 k3' in table
