"""configs/_base_/tensorboard.py switches TensorBoard logging on."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from conftest import REPO, TEST_CONFIGS, python_tool, run

FRAGMENT = osp.join(REPO, 'configs', '_base_', 'tensorboard.py')


def write_config(tmp_path):
    config = tmp_path / 'tiny_tensorboard.py'
    config.write_text(
        f"_base_ = ['{osp.join(TEST_CONFIGS, 'tiny_teacher_digits.py')}', "
        f"'{FRAGMENT}']\ntrain_cfg = dict(max_epochs=1)\n"
        "visualizer = dict(vis_backends={{_base_.tensorboard_vis_backends}})"
        "\n")
    return config


def test_fragment_adds_the_tensorboard_backend(tmp_path):
    cfg = Config.fromfile(write_config(tmp_path))
    assert cfg.visualizer.type == 'UniversalVisualizer'
    assert [b['type'] for b in cfg.visualizer.vis_backends] == [
        'LocalVisBackend', 'TensorboardVisBackend']


def test_training_writes_tensorboard_events(tmp_path):
    pytest.importorskip(
        'tensorboard', reason='pip install -e ".[tensorboard]" to check it')
    config = write_config(tmp_path)
    run(python_tool('train.py', config, '--work-dir', tmp_path / 'run'),
        cwd=REPO)
    events = glob.glob(str(tmp_path / 'run' / '*' / 'vis_data' /
                           'events.out.tfevents.*'))
    assert events and osp.getsize(events[0]) > 0
