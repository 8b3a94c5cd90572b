"""Shared test helpers: run the project's tools as a user would."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys
import tempfile

import pytest
from mmengine.registry import DefaultScope

import reducekd  # noqa: F401  (repairs the stack for in-process tests)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TEST_CONFIGS = osp.join(REPO, 'tests', 'data', 'configs')
SCRATCH = tempfile.mkdtemp(prefix='reducekd-tests-')


def tool_env(**extra):
    """Environment for a subprocess: this interpreter first on PATH, the
    repository and the tests' helper modules importable."""
    env = dict(os.environ)
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env['PYTHONPATH'] = os.pathsep.join(
        [REPO, TEST_CONFIGS, env.get('PYTHONPATH', '')])
    env['PYTHON'] = sys.executable
    env.setdefault('OMP_NUM_THREADS', '1')
    env.update(extra)
    return env


def run(command, cwd, check=True, timeout=600, **extra_env):
    """Run a command (list) and return the CompletedProcess.

    A command given from the repository (``cwd=REPO``, ``tools/...``) runs
    in a scratch directory instead, so the tools' default ``work_dirs/``
    never lands in the repository.
    """
    if cwd == REPO:
        command = [osp.join(REPO, part) if str(part).startswith('tools/')
                   else part for part in command]
        cwd = SCRATCH
    result = subprocess.run(command, cwd=cwd, env=tool_env(**extra_env),
                            capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f'{command} exited {result.returncode}\n'
            f'--- stdout ---\n{result.stdout[-4000:]}\n'
            f'--- stderr ---\n{result.stderr[-4000:]}')
    return result


def python_tool(script, *args):
    return [sys.executable, osp.join(REPO, 'tools', script), *map(str, args)]


def load_tool(script):
    """Import ``tools/script`` as a module, without running its ``main``.

    ``tools/`` becomes importable first, as it is for a tool run as a
    script (the tools share helpers such as ``tools/_progress.py``).
    """
    tools = osp.join(REPO, 'tools')
    if tools not in sys.path:
        sys.path.insert(0, tools)
    name = osp.splitext(osp.basename(script))[0]
    spec = importlib.util.spec_from_file_location(
        name, osp.join(tools, script))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def isolated_default_scope():
    """Undo the default scopes a test leaves behind.

    mmengine's Runner (and ``Config`` loading with ``default_scope``) leave
    a global :class:`DefaultScope` instance that later builds resolve
    against: after an in-process run of an ``mmpretrain``-scoped zoo config,
    ``DATASETS.build(dict(type='Digits'))`` looks in mmpretrain's registry.
    mmengine offers no public reset, so the instances made during a test
    are dropped here (the same restore ``overwrite_default_scope`` does).
    """
    before = DefaultScope._instance_dict.copy()
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(before)


def tiny_config(name):
    return osp.join(TEST_CONFIGS, name)


@pytest.fixture(scope='session')
def trained_teacher(tmp_path_factory):
    """A tiny teacher trained for 2 epochs by tools/train.py."""
    work_dir = tmp_path_factory.mktemp('teacher')
    run(python_tool('train.py', tiny_config('tiny_teacher_digits.py'),
                    '--work-dir', work_dir), cwd=REPO)
    return work_dir / 'epoch_2.pth'
