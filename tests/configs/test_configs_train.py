"""Every shipped config trains: one iteration through ``tools/train.py``.

Each config under ``configs/`` (``_base_/`` aside) runs one epoch of one
iteration (2 training images, batch 2) with a finite loss, then validates
on 2 images and saves its checkpoint. CIFAR configs read a small generated copy in the
official python layout through ``LocalCIFAR10``/``LocalCIFAR100``.
Distillation configs get checkpoints of their teacher (and Factor Transfer
stage 2 one of its stage-1 paraphraser) that load strictly: the freshly
initialised weights of the models the config describes, saved in mmengine's
checkpoint format. The runs go through ``tools/train.py``'s ``main`` in this
process (arguments parsed as on the command line), which saves ~10 s of
imports per config.
"""
import math
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner.checkpoint import save_checkpoint

from conftest import REPO
from fake_cifar import write_cifar10, write_cifar100
from reducekd.analysis.runs import read_scalars, split_records
from reducekd.complexity import build_in_scope
from test_all_configs import CONFIGS
from train_in_process import TRAIN

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
#: mmpretrain's CIFAR types and the local-copy types that replace them.
LOCAL_TYPES = {'CIFAR10': 'LocalCIFAR10', 'CIFAR100': 'LocalCIFAR100'}
IMAGES = 2  # per loader: one training iteration at batch 2


@pytest.fixture(scope='module')
def cifar_root(tmp_path_factory):
    """A folder with cifar-10-batches-py/ and cifar-100-python/."""
    root = tmp_path_factory.mktemp('cifar')
    write_cifar10(root, per_batch=IMAGES)
    write_cifar100(root, per_split=IMAGES)
    return root


def shrink_options(cfg, cifar_root):
    """``--cfg-options`` for one iteration on tiny data, without workers.

    Two costs of mmengine that dominate such a short run are left out:
    serialising each dataset (a ``gc.collect()`` of the whole test process)
    and a second checkpoint for the best validation score.
    """
    train_cfg = cfg.train_cfg
    length = 'max_epochs' if 'max_epochs' in train_cfg else 'max_iters'
    options = [f'train_cfg.{length}=1',
               'default_hooks.checkpoint.save_best=None']
    for loader in LOADERS:
        options += [f'{loader}.batch_size={IMAGES}',
                    f'{loader}.num_workers=0',
                    f'{loader}.dataset.indices={IMAGES}',
                    f'{loader}.dataset.serialize_data=False']
        local_type = LOCAL_TYPES.get(cfg[loader].dataset.type)
        if local_type:
            options += [f'{loader}.dataset.type={local_type}',
                        f'{loader}.dataset.data_root={cifar_root}']
    return options


def _without_init_cfg(model_cfg):
    model_cfg = model_cfg.copy()
    model_cfg.pop('init_cfg', None)
    return model_cfg


def checkpoint_options(cfg, folder):
    """``--cfg-options`` pointing the config's checkpoints at generated ones.

    The teacher is built from the config; a stage-1 paraphraser checkpoint
    holds that teacher and the config's paraphraser connector, under the
    keys a pretrain run writes.
    """
    model, options = cfg.model, []
    if 'teacher_ckpt' not in model:
        return options
    teacher = build_in_scope(_without_init_cfg(model.teacher)).state_dict()
    path = osp.join(folder, 'teacher.pth')
    save_checkpoint({'meta': {}, 'state_dict': teacher}, path)
    options.append(f'model.teacher_ckpt={path}')
    if 'paraphraser_ckpt' in model:
        name = model.paraphraser
        connector = build_in_scope(model.distiller.connectors[name])
        state = {f'teacher.{key}': value for key, value in teacher.items()}
        state.update({f'distiller.connectors.{name}.{key}': value
                      for key, value in connector.state_dict().items()})
        path = osp.join(folder, 'paraphraser.pth')
        save_checkpoint({'meta': {}, 'state_dict': state}, path)
        options.append(f'model.paraphraser_ckpt={path}')
    return options


@pytest.mark.slow
@pytest.mark.parametrize('path', CONFIGS,
                         ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_trains_one_iteration(path, cifar_root, tmp_path):
    cfg = Config.fromfile(path)
    options = shrink_options(cfg, cifar_root) + \
        checkpoint_options(cfg, tmp_path)
    work_dir = tmp_path / 'work'
    TRAIN.main([path, '--work-dir', str(work_dir), '--cfg-options',
                *options])
    train, val = split_records(read_scalars(work_dir))
    assert [record['iter'] for record in train] == [1]
    assert math.isfinite(train[0]['loss'])
    assert len(val) == 1
    assert (work_dir / 'epoch_1.pth').is_file()
