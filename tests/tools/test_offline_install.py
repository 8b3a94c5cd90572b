"""The offline install of the README: a wheelhouse from
tools/make_wheelhouse.py, installed with the index off into a fresh venv
that already has torch, as an air-gapped GPU node has."""
import os
import subprocess
import sys
from importlib.metadata import version

import pytest

from conftest import REPO, python_tool, run, tiny_config


def offline_env():
    """pip with no index, no configured find-links or constraints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('PIP_')}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX='1',
               PIP_DISABLE_PIP_VERSION_CHECK='1')
    return env


def venv_run(args, cwd, env):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result.stdout


@pytest.mark.slow
def test_wheelhouse_installs_offline_next_to_an_existing_torch(tmp_path):
    wheels, node = tmp_path / 'wheelhouse', tmp_path / 'node_torch'
    run(python_tool('make_wheelhouse.py', '--dest', wheels), cwd=REPO)
    names = os.listdir(wheels)
    assert any(n.startswith('reducekd-') for n in names)
    assert not any(n.startswith(('torch-', 'torchvision-')) for n in names)
    # the node's torch: installed before, from elsewhere
    venv_run([sys.executable, '-m', 'pip', 'download', '--quiet', '-d', node,
              f'torch=={version("torch")}',
              f'torchvision=={version("torchvision")}'], REPO, None)
    venv = tmp_path / 'venv'
    venv_run([sys.executable, '-m', 'venv', venv], tmp_path, None)
    python, env = str(venv / 'bin' / 'python'), offline_env()
    venv_run([python, '-m', 'pip', 'install', '--quiet', '--find-links',
              node, 'torch', 'torchvision'], tmp_path, env)
    venv_run([python, '-m', 'pip', 'install', '--quiet', '--find-links',
              wheels, 'reducekd[lite,tests,deploy]'], tmp_path, env)
    # the installed package, outside the repository: stack repaired,
    # registries filled, a config built
    out = venv_run([python, '-c', (
        'import reducekd, reducekd.models, mmrazor, mmpretrain; '
        'from reducekd.registry import MODELS; '
        'print(reducekd.__file__); '
        'print(type(MODELS.build(dict(type="ResNet_CIFAR", depth=18))))')],
        tmp_path, env)
    assert 'site-packages' in out and 'ResNet_CIFAR' in out
    # and the tools train with it
    venv_run([python, 'tools/train.py', tiny_config('tiny_teacher_digits.py'),
              '--work-dir', tmp_path / 'run', '--cfg-options',
              'train_cfg.max_epochs=1'], REPO, env)
    assert (tmp_path / 'run' / 'epoch_1.pth').is_file()
