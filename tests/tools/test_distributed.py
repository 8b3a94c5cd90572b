"""Two gloo processes through dist_train.sh / dist_test.sh: torchrun locally,
and srun on a real Slurm partition when one is up (`local-slurm start`)."""
import re
import shutil
import subprocess

import pytest

from conftest import REPO, run, tiny_config


def world_size(output):
    sizes = re.findall(r'GPU number: (\d+)', output)
    assert sizes, output[-3000:]
    return int(sizes[0])


def test_two_processes_train_and_test_locally(tmp_path):
    work_dir = tmp_path / 'two'
    result = run(['sh', 'tools/dist_train.sh', 'local', 'demo',
                  tiny_config('tiny_teacher_digits.py'), work_dir,
                  '--cfg-options', 'train_cfg.max_epochs=1'],
                 cwd=REPO, GPUS='2', PORT='29517')
    output = result.stdout + result.stderr
    assert world_size(output) == 2
    assert 'Distributed launcher: pytorch' in output
    # 30 images, batch 8 per process: 2 iterations each instead of 4
    assert 'Epoch(train) [1][2/2]' in output
    assert (work_dir / 'epoch_1.pth').is_file()
    result = run(['sh', 'tools/dist_test.sh',
                  tiny_config('tiny_teacher_digits.py'),
                  work_dir / 'epoch_1.pth', '2', '--eval', 'accuracy'],
                 cwd=REPO, PORT='29518')
    assert 'accuracy/top1' in result.stdout + result.stderr


def slurm_partition():
    if not shutil.which('srun') or not shutil.which('sinfo'):
        return None
    found = subprocess.run(['sinfo', '-h', '-p', 'debug', '-o', '%P'],
                           capture_output=True, text=True)
    return 'debug' if found.returncode == 0 and found.stdout.strip() \
        else None


@pytest.mark.skipif(slurm_partition() is None,
                    reason='no Slurm partition "debug" (local-slurm start)')
def test_two_slurm_tasks_through_srun(tmp_path):
    work_dir = tmp_path / 'slurm'
    result = run(['sh', 'tools/dist_train.sh', 'debug', 'reducekd-test',
                  tiny_config('tiny_teacher_digits.py'), work_dir,
                  '--cfg-options', 'train_cfg.max_epochs=1'],
                 cwd=REPO, GPUS='2', GPUS_PER_NODE='2', CPUS_PER_TASK='1')
    output = result.stdout + result.stderr
    assert world_size(output) == 2
    assert 'Distributed launcher: slurm' in output
    assert 'Epoch(train) [1][2/2]' in output
    assert (work_dir / 'epoch_1.pth').is_file()
