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
