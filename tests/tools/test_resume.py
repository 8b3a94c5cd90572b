"""A run killed with SIGKILL mid-epoch resumes to bit-identical weights."""
import torch

from conftest import REPO, python_tool, run, tiny_config


def final_weights(path):
    return torch.load(path, weights_only=True)['state_dict']


def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    config = tiny_config('tiny_teacher_digits.py')
    epochs = ['--cfg-options', 'train_cfg.max_epochs=3']
    straight = tmp_path / 'straight'
    run(python_tool('train.py', config, '--work-dir', straight, *epochs),
        cwd=REPO)

    killed = tmp_path / 'killed'
    # 4 iterations per epoch: iteration 10 is in the middle of epoch 3
    result = run(python_tool(
        'train.py', tiny_config('tiny_teacher_killed_digits.py'),
        '--work-dir', killed, *epochs), cwd=REPO, check=False)
    assert result.returncode == -9, result.stderr[-2000:]
    assert (killed / 'epoch_2.pth').is_file()
    assert not (killed / 'epoch_3.pth').exists()
    run(python_tool('train.py', config, '--work-dir', killed, '--resume',
                    *epochs), cwd=REPO)

    expected = final_weights(straight / 'epoch_3.pth')
    resumed = final_weights(killed / 'epoch_3.pth')
    assert expected.keys() == resumed.keys()
    for key in expected:
        assert torch.equal(expected[key], resumed[key]), key


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
