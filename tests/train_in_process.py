"""``tools/train.py`` run inside the test process.

A fresh interpreter costs ~10 s of imports per run; these helpers call the
tool's own ``main`` (argument parsing included) and its ``run_tool`` entry,
so a test still goes through what the user types.
"""
import importlib.util
import os.path as osp

import pytest

from conftest import REPO


def _load_train_tool():
    spec = importlib.util.spec_from_file_location(
        'reducekd_train_tool', osp.join(REPO, 'tools', 'train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TRAIN = _load_train_tool()


def train_refuses(argv, capsys):
    """Run ``tools/train.py argv`` as its ``__main__`` does; expect the
    input-error exit. Returns the one line it printed to stderr."""
    with pytest.raises(SystemExit) as exit_info:
        TRAIN.run_tool(TRAIN.main, [str(arg) for arg in argv])
    assert exit_info.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]
