"""configs/logit_kd: every config loads and builds; one distillation trains.

The distillation configs are built in full (distiller wiring, loss names)
with a trainable teacher and no checkpoint, since the teacher checkpoints
they point at exist only after the teacher configs have been trained.
"""
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config

from conftest import REPO, python_tool, run
from reducekd.complexity import build_in_scope

CONFIG_DIR = osp.join(REPO, 'configs', 'logit_kd')
CONFIGS = sorted(glob.glob(osp.join(CONFIG_DIR, '*.py')))
DISTILL_LOSSES = {
    'kd': 'KDLoss',
    'logit-regression': 'LogitRegressionLoss',
    'noisy-teacher': 'NoisyTeacherLoss',
}


def config_id(path):
    return osp.splitext(osp.basename(path))[0]


def is_distill(cfg):
    return cfg.model.type == 'StrictTeacherDistill'


def test_every_method_has_its_configs():
    names = {config_id(path) for path in CONFIGS}
    for teacher, dataset in (('nin', '1xb256_cifar10'),
                             ('nin-bn', '1xb16_digits')):
        for method in DISTILL_LOSSES:
            assert f'{method}_lenet_from_{teacher}_{dataset}' in names
        assert f'lenet_{dataset}' in names
    assert {'nin_1xb256_cifar10', 'nin-bn_1xb16_digits'} <= names
    assert any('resnet18' in name for name in names)


@pytest.mark.parametrize('path', CONFIGS, ids=config_id)
def test_config_loads_and_its_models_build(path):
    cfg = Config.fromfile(path)
    roles = ([('teacher', cfg.model.teacher),
              ('student', cfg.model.architecture)]
             if is_distill(cfg) else [('model', cfg.model)])
    torch.manual_seed(0)
    for role, model_cfg in roles:
        model = build_in_scope(model_cfg)
        model.eval()
        with torch.no_grad():
            logits = model(torch.randn(2, 3, 32, 32))
        assert logits.shape == (2, 10), (role, logits.shape)


@pytest.mark.parametrize(
    'path', [p for p in CONFIGS if '_from_' in osp.basename(p)],
    ids=config_id)
def test_distill_config_wiring_and_teacher_ckpt(path):
    cfg = Config.fromfile(path)
    assert is_distill(cfg)
    method = config_id(path).split('_')[0]
    (loss_cfg, ) = cfg.model.distiller.losses.values()
    assert loss_cfg.type == DISTILL_LOSSES[method]

    # teacher_ckpt is the last checkpoint the teacher config writes to its
    # default work dir, and that config trains this very teacher
    match = re.fullmatch(r'work_dirs/(.+)/epoch_(\d+)\.pth',
                         cfg.model.teacher_ckpt)
    assert match, cfg.model.teacher_ckpt
    teacher_name, epoch = match.group(1), int(match.group(2))
    found = glob.glob(osp.join(REPO, 'configs', '*', teacher_name + '.py'))
    assert len(found) == 1, teacher_name
    teacher_cfg = Config.fromfile(found[0])
    assert teacher_cfg.train_cfg.max_epochs == epoch
    assert teacher_cfg.model.to_dict() == cfg.model.teacher.to_dict()

    # the whole algorithm builds (mmrazor checks the recorders against the
    # loss signature) and its loss names the distill term
    model_cfg = cfg.model.copy()
    model_cfg.teacher_ckpt = None
    model_cfg.teacher_trainable = True
    algorithm = build_in_scope(model_cfg)
    from mmpretrain.structures import DataSample
    samples = [DataSample().set_gt_label(label) for label in (3, 8)]
    torch.manual_seed(0)
    losses = algorithm(torch.randn(2, 3, 32, 32), samples, mode='loss')
    (name, ) = [key for key in losses if key.startswith('distill.')]
    assert torch.isfinite(losses[name]) and losses[name] > 0


def test_seed_hyper_parameters_in_cifar10_configs():
    kd = Config.fromfile(
        osp.join(CONFIG_DIR, 'kd_lenet_from_nin_1xb256_cifar10.py'))
    noisy = Config.fromfile(
        osp.join(CONFIG_DIR, 'noisy-teacher_lenet_from_nin_1xb256_cifar10.py'))
    assert kd.model.student_loss_weight == pytest.approx(0.3)  # lambda
    assert kd.model.distiller.losses.loss_kd.tau == 0.3
    assert kd.model.distiller.losses.loss_kd.loss_weight == \
        pytest.approx(0.7)
    loss = noisy.model.distiller.losses.loss_noisy
    assert (loss.noisy_ratio, loss.sigma) == (0.5, 0.1)
    for cfg in (kd, noisy):
        assert cfg.optim_wrapper.optimizer.type == 'Adam'
        assert cfg.optim_wrapper.optimizer.lr == 1e-3
        assert cfg.train_cfg.max_epochs == 100
        assert cfg.param_scheduler.milestones == [80]
        assert cfg.train_dataloader.batch_size == 256


def test_noisy_teacher_distillation_trains_one_epoch(tmp_path):
    """The digits noisy-teacher config, shrunk, through tools/train.py."""
    config = osp.join(CONFIG_DIR,
                      'noisy-teacher_lenet_from_nin-bn_1xb16_digits.py')
    cfg = Config.fromfile(config)
    torch.manual_seed(0)
    teacher = build_in_scope(cfg.model.teacher)
    teacher.init_weights()
    teacher_ckpt = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, teacher_ckpt)

    work_dir = tmp_path / 'noisy'
    result = run(python_tool(
        'train.py', config, '--work-dir', work_dir, '--cfg-options',
        f'model.teacher_ckpt={teacher_ckpt}',
        'train_dataloader.dataset.per_class=2', 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=1', 'default_hooks.logger.interval=1'),
        cwd=REPO)
    output = result.stdout + result.stderr
    assert re.search(r'distill\.loss_noisy: [0-9.]+', output), output[-3000:]
    assert re.search(r'accuracy/top1: [0-9.]+', output), output[-3000:]
    state = torch.load(work_dir / 'epoch_1.pth',
                       weights_only=True)['state_dict']
    for key, value in teacher.state_dict().items():
        assert torch.equal(state['teacher.' + key], value), key
