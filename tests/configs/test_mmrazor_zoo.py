"""mmrazor's classification distillation zoo, as it ships, through reducekd.

The configs are read from the installed mmrazor (``.mim/configs/distill/
mmcls``): a file there is a runnable config when it assigns a top-level
``model``; the others are ``_base_`` files of those (``crd/datasets/
crd_cifar10_bs16.py``, a dataset file). Each config loads through both
spellings a user types (``mmrazor::distill/mmcls/...`` and the installed
file), passes reducekd's config check, builds its whole algorithm, and
trains through ``tools/train.py`` on the digits with the documented smoke
overlay. No stand-in is needed: every zoo model runs at 32x32.
"""
import ast
import glob
import json
import math
import os.path as osp

import mmrazor
import pytest
from mmengine.registry import MODELS, DefaultScope

from conftest import REPO, run
from reducekd.config_check import load_config
from reducekd.runner import prepare_config
from train_in_process import TRAIN

CONFIGS = osp.join(osp.dirname(mmrazor.__file__), '.mim', 'configs')
ZOO_FOLDER = osp.join(CONFIGS, 'distill', 'mmcls')


def _assigns_model(path):
    with open(path, encoding='utf-8') as file:
        tree = ast.parse(file.read())
    return any(isinstance(node, ast.Assign) and any(
        getattr(target, 'id', None) == 'model' for target in node.targets)
        for node in tree.body)


def _zoo_files():
    return sorted(osp.relpath(path, CONFIGS) for path in glob.glob(
        osp.join(ZOO_FOLDER, '**', '*.py'), recursive=True))


ZOO = [path for path in _zoo_files()
       if _assigns_model(osp.join(CONFIGS, path))]
SPELLINGS = {'package': lambda config: f'mmrazor::{config}',
             'file': lambda config: osp.join(CONFIGS, config)}


def overlay_for(config):
    """The smoke overlay the README gives for ``config``."""
    name = 'smoke_digits_crd.py' if '/crd/' in config else 'smoke_digits.py'
    return osp.join(REPO, 'configs', 'mmrazor_zoo', name)


def test_the_zoo_is_19_configs_and_one_base():
    assert len(ZOO) == 19
    assert sorted(set(_zoo_files()) - set(ZOO)) == [
        'distill/mmcls/crd/datasets/crd_cifar10_bs16.py']


def _mmcls_left(node, key=''):
    """Config paths of ``node`` that still name mmcls."""
    if isinstance(node, (list, tuple)):
        return [found for index, value in enumerate(node)
                for found in _mmcls_left(value, f'{key}[{index}]')]
    if not isinstance(node, dict):
        return []
    left = [f'{key}.{name}' for name in ('_scope_', 'default_scope')
            if node.get(name) == 'mmcls']
    left += [f'{key}.{name}' for name in ('type', 'cfg_path')
             if str(node.get(name, '')).startswith('mmcls')]
    return left + [found for name, value in node.items()
                   for found in _mmcls_left(value, f'{key}.{name}')]


def build_model(cfg):
    """The model as the Runner builds it (a top-level ``data_preprocessor``
    goes into the model when it has none)."""
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor'):
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return MODELS.build(model_cfg)


@pytest.mark.parametrize('spelling', sorted(SPELLINGS))
@pytest.mark.parametrize('config', ZOO)
def test_zoo_config_loads_checks_and_builds(config, spelling):
    cfg = prepare_config(SPELLINGS[spelling](config),
                         cfg_options=dict(random_weights=True))
    assert cfg.default_scope == 'mmpretrain'
    assert _mmcls_left(cfg.to_dict()) == []
    model = build_model(cfg)
    assert type(model).__name__ == cfg.model.type.rpartition('.')[2]


def test_both_spellings_load_the_same_config():
    config = 'distill/mmcls/kd/kd_logits_resnet34_resnet18_8xb32_in1k.py'
    package, file = (load_config(SPELLINGS[s](config)).to_dict()
                     for s in ('package', 'file'))
    assert package == file


#: Options on top of the smoke overlay that keep one run of each config
#: short in the tests: one training batch of 2, no checkpoint written.
QUICK = ['random_weights=True', 'train_dataloader.batch_size=2',
         'train_dataloader.num_batch_per_epoch=1',
         'val_dataloader.batch_size=2', 'default_hooks.checkpoint=None']


@pytest.mark.slow
@pytest.mark.parametrize('config', ZOO)
def test_zoo_config_trains_on_the_digits(config, tmp_path):
    TRAIN.main([f'mmrazor::{config}', '--work-dir', str(tmp_path),
                '--cfg-options', f'overlay={overlay_for(config)}', *QUICK])
    logs = glob.glob(str(tmp_path / '*' / 'vis_data' / 'scalars.json'))
    assert logs, 'no training iteration was logged'
    with open(logs[0], encoding='utf-8') as file:
        first = json.loads(file.readline())
    assert first['iter'] == 1, first
    losses = [key for key in first if key.endswith('loss')]
    assert losses and all(math.isfinite(first[key]) for key in losses), first


KD = 'distill/mmcls/kd/kd_logits_resnet34_resnet18_8xb32_in1k.py'


def test_a_teacher_url_stops_before_training(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        TRAIN.run_tool(TRAIN.main, [
            f'mmrazor::{KD}', '--work-dir', str(tmp_path), '--cfg-options',
            f'overlay={overlay_for(KD)}'])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith('WeightsError: the config loads weights that are '
                            'not on this machine')
    assert 'model.teacher_ckpt loads https://download.openmmlab.com/' \
        'mmclassification/v0/resnet/resnet34_8xb32_in1k_20210831-f257d4e6' \
        '.pth, not on this machine; download it where there is a network ' \
        'and pass the file: --cfg-options model.teacher_ckpt=' in error
    assert error.rstrip().endswith('--cfg-options random_weights=True.')
    assert not any(tmp_path.iterdir())  # nothing was built or written


@pytest.mark.slow
def test_dist_train_sh_runs_the_installed_file_unmodified(tmp_path):
    result = run(['sh', 'tools/dist_train.sh', 'local', 'zoo',
                  SPELLINGS['file'](KD), tmp_path, '--cfg-options',
                  f'overlay={overlay_for(KD)}', *QUICK], cwd=REPO, GPUS='1')
    output = result.stdout + result.stderr
    assert f'{SPELLINGS["file"](KD)} is written for mmcls; read with ' \
        'mmpretrain: mmcls::_base_/datasets/imagenet_bs32.py -> ' \
        'mmpretrain::_base_/datasets/imagenet_bs32.py' in output
    assert 'random_weights=True: NOT loading model.teacher_ckpt' in output
    assert 'Epoch(train) [1][1/1]' in output
