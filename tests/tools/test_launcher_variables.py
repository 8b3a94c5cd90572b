"""tools/launch.sh: a count that is not a whole number of at least 1 stops
the shell scripts with one line naming the variable (exit 2)."""
import pytest

from conftest import REPO, run, tiny_config

CONFIG = tiny_config('tiny_teacher_digits.py')


@pytest.mark.parametrize('env, variable, what', [
    (dict(GPUS='abc'), 'GPUS', 'processes'),
    (dict(GPUS='0'), 'GPUS', 'processes'),
    (dict(GPUS='-2'), 'GPUS', 'processes'),
    (dict(GPUS='2', NNODES='two'), 'NNODES', 'nodes'),
    (dict(LAUNCHER='slurm', GPUS_PER_NODE='x'), 'GPUS_PER_NODE',
     'processes per node'),
])
def test_bad_count_is_refused(tmp_path, env, variable, what):
    result = run(['sh', 'tools/dist_train.sh', 'local', 'demo', CONFIG,
                  tmp_path / 'work'], cwd=REPO, check=False, **env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"{REPO}/tools/dist_train.sh: {variable}='{env[variable]}' cannot be "
        f'used: {variable} (the number of {what}) must be a whole number of '
        f'at least 1, e.g. {variable}=2']
    assert not (tmp_path / 'work').exists()


def test_classic_form_checks_its_gpus_argument():
    result = run(['sh', 'tools/dist_train.sh', CONFIG, 'abc'], cwd=REPO,
                 check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"{REPO}/tools/dist_train.sh: GPUS='abc' cannot be used")
