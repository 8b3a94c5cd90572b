"""train.py / test.py / dist_*.sh / converters, run as a user runs them."""
import os.path as osp
import re
import sys

import pytest
import torch

from conftest import REPO, python_tool, run, tiny_config


def top1(output):
    found = re.findall(r'accuracy/top1: ([0-9.]+)', output)
    assert found, output[-3000:]
    return float(found[-1])


def test_trained_teacher_has_checkpoints(trained_teacher):
    assert trained_teacher.is_file()
    assert (trained_teacher.parent / 'epoch_1.pth').is_file()


def test_dist_test_eval_accuracy(trained_teacher):
    result = run(['sh', 'tools/dist_test.sh', 'local', 'demo',
                  tiny_config('tiny_teacher_digits.py'), trained_teacher,
                  '--eval', 'accuracy', 'precision'], cwd=REPO)
    output = result.stdout + result.stderr
    assert 0 <= top1(output) <= 100
    assert 'single-label/precision' in output


def test_unknown_eval_metric_lists_valid_ones(trained_teacher):
    result = run(python_tool('test.py', tiny_config('tiny_teacher_digits.py'),
                             trained_teacher, '--eval', 'mAP'),
                 cwd=REPO, check=False)
    assert result.returncode != 0
    assert 'unknown --eval metric(s) mAP' in result.stderr
    assert 'accuracy, precision, recall, f1_score' in result.stderr


def test_test_refuses_checkpoint_of_another_model(trained_teacher, tmp_path):
    result = run(python_tool(
        'test.py', tiny_config('tiny_teacher_digits.py'), trained_teacher,
        '--cfg-options', 'model.backbone.base_channels=8'),
        cwd=REPO, check=False)
    assert result.returncode != 0
    assert 'shape mismatches' in result.stderr


def test_misspelt_top_level_key_is_an_error(tmp_path):
    result = run(python_tool(
        'train.py', tiny_config('tiny_teacher_digits.py'), '--work-dir',
        tmp_path, '--cfg-options', 'randomnes.seed=1'), cwd=REPO,
        check=False)
    assert result.returncode != 0
    assert "did you mean 'randomness'" in result.stderr
    assert not list(tmp_path.glob('*.pth'))


def test_kd_from_teacher_checkpoint_then_convert_and_test(
        trained_teacher, tmp_path):
    work_dir = tmp_path / 'kd'
    run(['sh', 'tools/dist_train.sh', 'local', 'demo',
         tiny_config('tiny_kd_digits.py'), work_dir, '--cfg-options',
         f'model.teacher_ckpt={trained_teacher}', 'train_cfg.max_epochs=1'],
        cwd=REPO)
    kd_ckpt = work_dir / 'epoch_1.pth'
    state = torch.load(kd_ckpt, weights_only=True)['state_dict']
    teacher_state = torch.load(trained_teacher,
                               weights_only=True)['state_dict']
    # the frozen teacher kept the checkpoint's weights exactly
    for key, value in teacher_state.items():
        assert torch.equal(state['teacher.' + key], value), key
    student_ckpt = tmp_path / 'student.pth'
    run(python_tool('model_converters/convert_kd_ckpt_to_student.py',
                    kd_ckpt, student_ckpt), cwd=REPO)
    # the converted student loads strictly into the student alone
    student_cfg = tiny_config('tiny_teacher_digits.py')
    result = run(python_tool(
        'test.py', student_cfg, student_ckpt, '--eval', 'accuracy',
        '--cfg-options', 'model.backbone.stem_channels=2',
        'model.backbone.base_channels=2', 'model.head.in_channels=16'),
        cwd=REPO)
    assert 0 <= top1(result.stdout + result.stderr) <= 100


@pytest.mark.parametrize('make_wrong', ['missing', 'prefixed', 'other_depth'])
def test_wrong_teacher_ckpt_stops_before_training(
        make_wrong, trained_teacher, tmp_path):
    state = torch.load(trained_teacher, weights_only=True)['state_dict']
    wrong = tmp_path / f'{make_wrong}.pth'
    error = 'CheckpointError'
    if make_wrong == 'prefixed':
        torch.save({'state_dict': {'architecture.' + k: v
                                   for k, v in state.items()}}, wrong)
        expected = 'unexpected keys'
    elif make_wrong == 'other_depth':
        torch.save({'state_dict': {k: v for k, v in state.items()
                                   if 'layer4' not in k}}, wrong)
        expected = 'missing keys'
    else:  # found before the model is built (reducekd.weight_sources)
        expected = 'not on this machine'
        error = 'WeightsError'
    work_dir = tmp_path / 'kd'
    result = run(python_tool(
        'train.py', tiny_config('tiny_kd_digits.py'), '--work-dir', work_dir,
        '--cfg-options', f'model.teacher_ckpt={wrong}'), cwd=REPO,
        check=False)
    assert result.returncode != 0
    assert error in result.stderr and expected in result.stderr
    assert 'Epoch(train)' not in result.stdout + result.stderr
    assert not list(work_dir.glob('*.pth'))


def test_get_flops_shows_teacher_and_student():
    result = run(python_tool('analysis/get_flops.py',
                             tiny_config('tiny_kd_digits.py')), cwd=REPO)
    rows = [line for line in result.stdout.splitlines()
            if line.startswith('| teacher') or line.startswith('| student')]
    assert len(rows) == 2
    teacher_params = int(rows[0].split('|')[2].split()[0].replace(',', ''))
    student_params = int(rows[1].split('|')[2].split()[0].replace(',', ''))
    assert teacher_params > student_params > 0
