"""Every config of the repository loads, and every model in it builds."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from conftest import REPO, python_tool, run
from reducekd.complexity import build_in_scope, models_of_config

#: Folders of configs/ that hold no runnable configs: bases, and the
#: overlays that --cfg-options overlay=FILE lays over mmrazor's zoo.
NOT_CONFIGS = ('_base_', 'mmrazor_zoo')
CONFIGS = sorted(
    path for path in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                               recursive=True)
    if not set(osp.relpath(path, REPO).split(osp.sep)) & set(NOT_CONFIGS))


@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_loads_and_models_build(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'reducekd'
    for _, model_cfg in models_of_config(cfg):
        model_cfg = model_cfg.copy()
        model_cfg.pop('init_cfg', None)
        assert build_in_scope(model_cfg) is not None


@pytest.mark.parametrize('width,teacher,student', [
    (1, 412_058, 272_474), (2, 1_640_234, 1_084_586)])
def test_get_flops_shows_reference_parameter_counts(width, teacher, student):
    config = osp.join(
        REPO, 'configs', 'reducenet',
        f'reducenet_reduce20-w{width}-student_from_reduce20-w{width}-e1-'
        'teacher_1xb128_cifar10.py')
    output = run(python_tool('analysis/get_flops.py', config), cwd=REPO).stdout
    assert f'| teacher  | {teacher:>11,d}' in output
    assert f'| student  | {student:>11,d}' in output


@pytest.mark.parametrize('name,teacher,student', [
    ('reducenet_mbv2-w1-student_from_reduce-mbv2-w1-e1-teacher_1xb128_'
     'cifar10', 3_433_610, 2_236_682),
    ('reducenet_mbv2-w050-student_from_reduce-mbv2-w050-e1-teacher_1xb64_'
     'digits', 837_610, 535_370)])
def test_get_flops_shows_mobilenet_v2_teacher_and_student(name, teacher,
                                                          student):
    config = osp.join(REPO, 'configs', 'reducenet', name + '.py')
    output = run(python_tool('analysis/get_flops.py', config), cwd=REPO).stdout
    assert f'| teacher  | {teacher:>11,d}' in output
    assert f'| student  | {student:>11,d}' in output


DISTILL_CONFIGS = [
    path for path in CONFIGS
    if Config.fromfile(path).model.get('type') in ('StrictTeacherDistill',
                                                   'ReduceNetDistill')]


@pytest.mark.parametrize('path', DISTILL_CONFIGS,
                         ids=[osp.relpath(p, REPO) for p in DISTILL_CONFIGS])
def test_distillation_config_builds_whole(path, tmp_path):
    """The whole algorithm (distiller wiring and losses included) builds
    from the config, given a checkpoint of its teacher: a stale key in a
    child config's distiller (e.g. ``distill_losses``) fails here."""
    import torch
    cfg = Config.fromfile(path)
    teacher_cfg = cfg.model.teacher.copy()
    teacher_cfg.pop('init_cfg', None)
    checkpoint = tmp_path / 'teacher.pth'
    torch.save({'state_dict': build_in_scope(teacher_cfg).state_dict()},
               checkpoint)
    model_cfg = cfg.model.copy()
    model_cfg.teacher_ckpt = str(checkpoint)
    assert build_in_scope(model_cfg) is not None
