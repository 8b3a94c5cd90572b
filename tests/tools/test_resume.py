"""Resuming through tools/train.py: exact continuation after SIGKILL (one and
two processes, mid-epoch and mid-save), atomic checkpoint writes, and the
inputs ``--resume`` refuses."""
import os
import shutil

import pytest
import torch

from conftest import REPO, python_tool, run, tiny_config
from train_in_process import train_refuses

EPOCHS = ['--cfg-options', 'train_cfg.max_epochs=3']


def final_weights(path):
    return torch.load(path, weights_only=True)['state_dict']


def assert_same_weights(expected_path, resumed_path):
    expected, resumed = final_weights(expected_path), final_weights(
        resumed_path)
    assert expected.keys() == resumed.keys()
    for key in expected:
        assert torch.equal(expected[key], resumed[key]), key


def truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])


@pytest.fixture(scope='module')
def straight_run(tmp_path_factory):
    """The uninterrupted 3-epoch run the resumed ones must equal."""
    work_dir = tmp_path_factory.mktemp('straight')
    run(python_tool('train.py', tiny_config('tiny_teacher_digits.py'),
                    '--work-dir', work_dir, *EPOCHS), cwd=REPO)
    return work_dir / 'epoch_3.pth'


def test_sigkill_then_resume_equals_uninterrupted(straight_run, tmp_path):
    """Also: --auto-resume in an empty work dir starts fresh and says so."""
    killed = tmp_path / 'killed'
    # 4 iterations per epoch: iteration 10 is in the middle of epoch 3
    result = run(python_tool(
        'train.py', tiny_config('tiny_teacher_killed_digits.py'),
        '--work-dir', killed, '--auto-resume', *EPOCHS), cwd=REPO,
        check=False)
    assert result.returncode == -9, result.stderr[-2000:]
    assert f'--auto-resume: {killed} holds no checkpoint yet; starting a ' \
        'fresh run.' in result.stdout
    assert (killed / 'epoch_2.pth').is_file()
    assert not (killed / 'epoch_3.pth').exists()
    run(python_tool('train.py', tiny_config('tiny_teacher_digits.py'),
                    '--work-dir', killed, '--resume', *EPOCHS), cwd=REPO)
    assert_same_weights(straight_run, killed / 'epoch_3.pth')


def test_sigkill_during_a_save_then_resume_equals_uninterrupted(
        straight_run, tmp_path):
    """Killed while writing epoch_3.pth: no partial file takes its name, the
    pointer still names epoch_2.pth, and --resume continues from there."""
    killed = tmp_path / 'killed'
    result = run(python_tool(
        'train.py', tiny_config('tiny_teacher_killed_in_save_digits.py'),
        '--work-dir', killed, *EPOCHS), cwd=REPO, check=False)
    assert result.returncode == -9, result.stderr[-2000:]
    assert not (killed / 'epoch_3.pth').exists()
    partial = [name for name in os.listdir(killed) if name.endswith('.part')]
    assert partial and partial[0].startswith('.epoch_3.pth.'), partial
    assert (killed / 'last_checkpoint').read_text() == \
        str(killed / 'epoch_2.pth')
    result = run(python_tool(
        'train.py', tiny_config('tiny_teacher_digits.py'), '--work-dir',
        killed, '--resume', *EPOCHS), cwd=REPO)
    assert 'resumed epoch: 2' in result.stdout + result.stderr
    assert_same_weights(straight_run, killed / 'epoch_3.pth')


def dist_train(config, work_dir, port, *args, check=True):
    return run(['sh', 'tools/dist_train.sh', 'local', 'resume-test',
                tiny_config(config), work_dir, *args], cwd=REPO,
               check=check, GPUS='2', PORT=str(port))


def test_two_processes_sigkill_then_resume_equals_uninterrupted(tmp_path):
    """Two gloo processes with differently seeded generators (each keeps its
    own random states in the checkpoint); resumed with --auto-resume."""
    options = ['--cfg-options', 'train_cfg.max_epochs=3',
               'randomness.diff_rank_seed=True']
    straight, killed = tmp_path / 'straight', tmp_path / 'killed'
    dist_train('tiny_teacher_digits.py', straight, 29531, *options)
    # 2 iterations per epoch and process: iteration 5 is in epoch 3
    result = dist_train('tiny_teacher_killed_digits.py', killed, 29532,
                        *options, 'custom_hooks.0.at_iter=5', check=False)
    assert result.returncode != 0
    assert (killed / 'epoch_2.pth').is_file()
    assert not (killed / 'epoch_3.pth').exists()
    result = dist_train('tiny_teacher_digits.py', killed, 29533,
                        '--auto-resume', *options)
    assert 'resumed epoch: 2' in result.stdout + result.stderr
    assert_same_weights(straight / 'epoch_3.pth', killed / 'epoch_3.pth')
    states = torch.load(killed / 'epoch_2.pth', weights_only=True)[
        'rng_states']
    assert len(states) == 2 and not torch.equal(states[0]['torch'],
                                                states[1]['torch'])


def test_checkpoints_and_pointer_are_replaced_not_rewritten(tmp_path):
    """A file hard-linked to an old checkpoint (or to the old
    ``last_checkpoint``) keeps the old bytes: mmengine's writes went to a new
    file renamed into place, never into the file being replaced."""
    work_dir = tmp_path / 'run'
    work_dir.mkdir()
    for name in ('epoch_1.pth', 'last_checkpoint'):
        (work_dir / name).write_bytes(b'old')
        os.link(work_dir / name, tmp_path / f'{name}.link')
    run(python_tool('train.py', tiny_config('tiny_teacher_digits.py'),
                    '--work-dir', work_dir, '--cfg-options',
                    'train_cfg.max_epochs=1'), cwd=REPO)
    for name in ('epoch_1.pth', 'last_checkpoint'):
        assert (tmp_path / f'{name}.link').read_bytes() == b'old', name
    assert (work_dir / 'last_checkpoint').read_text() == \
        str(work_dir / 'epoch_1.pth')
    assert 'state_dict' in torch.load(work_dir / 'epoch_1.pth',
                                      weights_only=True)


def test_resume_without_a_checkpoint_is_refused(tmp_path, capsys):
    config = tiny_config('tiny_teacher_digits.py')
    missing = tmp_path / 'mistyped'
    line = train_refuses([config, '--work-dir', missing, '--resume'], capsys)
    assert line == (
        f'ResumeError: --resume without a path continues the latest '
        f'checkpoint of the work dir, and {missing} (it does not exist) '
        'holds none (no last_checkpoint file, no epoch_N.pth or iter_N.pth). '
        'Check the --work-dir path, or start a fresh run without --resume, '
        'or use --auto-resume to resume when a checkpoint exists and start '
        'fresh otherwise.')
    assert not missing.exists()  # nothing was built or written
    empty = tmp_path / 'empty'
    empty.mkdir()
    line = train_refuses([config, '--work-dir', empty, '--resume'], capsys)
    assert f'and {empty} holds none' in line
    assert os.listdir(empty) == []


def test_resume_from_a_directory_is_refused(trained_teacher, tmp_path,
                                            capsys):
    config = tiny_config('tiny_teacher_digits.py')
    run_dir = trained_teacher.parent
    line = train_refuses([config, '--resume', run_dir], capsys)
    assert line == (
        f'ResumeError: --resume takes a checkpoint file, and {run_dir} is a '
        f'directory (its latest complete checkpoint is {trained_teacher}: '
        f'give that file as --resume {trained_teacher}, or give the '
        f'directory as the work dir: --work-dir {run_dir} --resume, with no '
        'path after --resume).')
    line = train_refuses([config, '--resume', tmp_path], capsys)
    assert f'{tmp_path} is a directory (it holds no checkpoint;' in line


@pytest.fixture
def truncated_run(trained_teacher, tmp_path):
    """A copy of the trained teacher's work dir whose latest checkpoint,
    epoch_2.pth, lost its second half."""
    work_dir = tmp_path / 'run'
    shutil.copytree(trained_teacher.parent, work_dir)
    truncate(work_dir / 'epoch_2.pth')
    return work_dir


def test_incomplete_checkpoint_given_to_resume_is_refused(
        truncated_run, tmp_path, capsys):
    truncated, previous = truncated_run / 'epoch_2.pth', \
        truncated_run / 'epoch_1.pth'
    line = train_refuses([tiny_config('tiny_teacher_digits.py'),
                          '--work-dir', tmp_path / 'other', '--resume',
                          truncated], capsys)
    assert line.startswith(
        f'ResumeError: --resume {truncated}: the checkpoint is incomplete: '
        'it ends after ')
    assert line.endswith(
        'before the zip directory that torch.save writes last, so the run '
        'cannot continue from it. Resume from another checkpoint (the '
        f'latest complete one beside it: --resume {previous}), or give its '
        'work dir with --work-dir DIR --resume, which skips damaged '
        'checkpoints.')
    assert not (tmp_path / 'other').exists()


def test_incomplete_latest_checkpoint_falls_back_to_the_previous(
        truncated_run):
    """--resume alone skips the truncated latest checkpoint, says which and
    why, and continues from the previous one."""
    truncated, previous = truncated_run / 'epoch_2.pth', \
        truncated_run / 'epoch_1.pth'
    result = run(python_tool('train.py', tiny_config('tiny_teacher_digits.py'),
                             '--work-dir', truncated_run, '--resume'),
                 cwd=REPO)
    assert f'--resume: skipped {truncated}: it is incomplete: it ends after' \
        in result.stdout
    assert f'Resuming from {previous}, the previous complete checkpoint.' \
        in result.stdout
    assert 'resumed epoch: 1' in result.stdout + result.stderr
    assert 'state_dict' in torch.load(truncated, weights_only=True)


def test_resume_with_a_changed_schedule_stops_before_training(tmp_path):
    """Raising max_epochs and T_max, then resuming a finished run: mmengine
    would keep the checkpoint's T_max (the learning rate would rise again);
    the run must stop and name the difference instead."""
    config = tiny_config('tiny_teacher_digits.py')
    work_dir = tmp_path / 'run'
    run(python_tool('train.py', config, '--work-dir', work_dir), cwd=REPO)
    assert (work_dir / 'epoch_2.pth').is_file()

    result = run(python_tool(
        'train.py', config, '--work-dir', work_dir, '--resume',
        '--cfg-options', 'train_cfg.max_epochs=4',
        'param_scheduler.T_max=4'), cwd=REPO, check=False)
    assert result.returncode != 0
    # 4 iterations an epoch: T_max 3 epochs = 12 iterations, 4 epochs = 16
    assert 'T_max 12 in the checkpoint, 16 in the config' in result.stderr, \
        result.stderr[-3000:]
    assert 'load_from' in result.stderr
    assert not (work_dir / 'epoch_3.pth').exists()

    # load_from without --resume restarts the schedule: not refused
    run(python_tool(
        'train.py', config, '--work-dir', tmp_path / 'restart',
        '--cfg-options', 'train_cfg.max_epochs=1', 'param_scheduler.T_max=4',
        f'load_from={work_dir / "epoch_2.pth"}'), cwd=REPO)
