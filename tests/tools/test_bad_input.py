"""Wrong input through the user's commands: each stops early (exit 2) with
a message that names the problem and the fix, and loses nothing."""
import hashlib
import shutil

import pytest
import torch

from conftest import REPO, python_tool, run, tiny_config


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stopped(result, *parts):
    """The command exited 2 before training and printed every part."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-3000:]
    for part in parts:
        assert part in result.stderr, result.stderr[-3000:]
    return output


@pytest.fixture(scope='module')
def kd_run(trained_teacher, tmp_path_factory):
    """One finished epoch of the tiny KD config: its work dir."""
    work_dir = tmp_path_factory.mktemp('kd_run')
    run(['sh', 'tools/dist_train.sh', 'local', 'demo',
         tiny_config('tiny_kd_digits.py'), work_dir, '--cfg-options',
         f'model.teacher_ckpt={trained_teacher}', 'train_cfg.max_epochs=1'],
        cwd=REPO)
    return work_dir


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(
        kd_run, trained_teacher, tmp_path):
    """lr=1e6 from the epoch-1 weights: mmengine would train on with
    ``loss: nan`` and overwrite epoch_1.pth with NaN weights."""
    work_dir = tmp_path / 'kd'
    shutil.copytree(kd_run, work_dir)
    good = work_dir / 'epoch_1.pth'
    before = digest(good)
    result = run(['sh', 'tools/dist_train.sh', 'local', 'demo',
                  tiny_config('tiny_kd_digits.py'), work_dir,
                  '--cfg-options', f'model.teacher_ckpt={trained_teacher}',
                  'train_cfg.max_epochs=2', f'load_from={good}',
                  'optim_wrapper.optimizer.lr=1e6'], cwd=REPO, check=False)
    stopped(result, 'NonFiniteError: non-finite loss at iteration',
            'student.loss=', 'distill.loss_kd=', 'learning rate',
            'optim_wrapper.optimizer.lr')
    assert digest(good) == before
    assert sorted(p.name for p in work_dir.glob('*.pth')) == ['epoch_1.pth']
    state = torch.load(good, weights_only=True)['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values()
               if v.is_floating_point())


def test_reparameterize_refuses_non_finite_weights(trained_teacher, tmp_path):
    checkpoint = torch.load(trained_teacher, weights_only=False)
    name = next(k for k in checkpoint['state_dict'] if k.endswith('weight'))
    checkpoint['state_dict'][name] = checkpoint['state_dict'][name] * \
        float('nan')
    diverged = tmp_path / 'diverged.pth'
    torch.save(checkpoint, diverged)
    out = tmp_path / 'fused.pth'
    result = run(python_tool('model_converters/reparameterize.py',
                             tiny_config('tiny_teacher_digits.py'), diverged,
                             out), cwd=REPO, check=False)
    stopped(result, 'NonFiniteError', 'non-finite weights', name,
            'before the divergence')
    assert not out.exists()


def test_reparameterize_names_a_config_that_does_not_match(
        trained_teacher, tmp_path):
    out = tmp_path / 'fused.pth'
    result = run(python_tool('model_converters/reparameterize.py',
                             tiny_config('tiny_reduce_student_digits.py'),
                             trained_teacher, out), cwd=REPO, check=False)
    stopped(result, 'CheckpointError', 'does not match', 'missing keys',
            'unexpected keys', 'the config that trained the checkpoint')
    assert not out.exists()


@pytest.mark.parametrize('options,parts', [
    # MMCV 0.x keys: mmengine ignores them and trains with the config's
    (['optimizer.lr=0.01'], ["'optimizer' belongs to the MMCV 0.x",
                             'optim_wrapper.optimizer.lr=0.01']),
    (['lr_config.policy=step'], ["'lr_config'", 'param_scheduler']),
    # constructor keywords, named with their config path and close match
    (['model.backbone.depht=18'], [
        "model.backbone: ResNet_CIFAR has no argument 'depht'",
        "did you mean 'depth'"]),
    # a CheckpointHook typo would otherwise fail only at the first save
    (['default_hooks.checkpoint.max_keep_ckpt=2'], [
        "default_hooks.checkpoint: CheckpointHook has no argument "
        "'max_keep_ckpt'", "did you mean 'max_keep_ckpts'"]),
    (['train_cfg.max_epoch=2'], [
        "train_cfg: EpochBasedTrainLoop has no argument 'max_epoch'"]),
    (['model.backbone.type=ResNet_CIFA'], [
        "model.backbone: type 'ResNet_CIFA' is not registered",
        "did you mean 'ResNet_CIFAR'"]),
], ids=['optimizer', 'lr_config', 'depht', 'max_keep_ckpt', 'max_epoch',
        'type'])
def test_config_mistakes_stop_before_anything_is_built(
        options, parts, tmp_path):
    result = run(python_tool('train.py', tiny_config('tiny_teacher_digits.py'),
                             '--work-dir', tmp_path, '--cfg-options',
                             *options), cwd=REPO, check=False)
    output = stopped(result, *parts)
    assert 'Epoch(train)' not in output and 'Traceback' not in output
    assert not list(tmp_path.glob('*.pth'))


def test_missing_config_names_close_files(tmp_path):
    result = run(python_tool('train.py',
                             tiny_config('tiny_teacher_digit.py')),
                 cwd=REPO, check=False)
    stopped(result, 'ConfigError: config file', 'does not exist',
            'tiny_teacher_digits.py')


def test_syntax_error_names_the_file_and_line(tmp_path):
    broken = tmp_path / 'broken_base.py'
    broken.write_text("model = dict(\n    type='ImageClassifier'\n"
                      "    backbone=dict())\n")
    config = tmp_path / 'child.py'
    config.write_text("_base_ = ['./broken_base.py']\n")
    result = run(python_tool('train.py', config), cwd=REPO, check=False)
    stopped(result, f'{broken}, line 2', "type='ImageClassifier'")


@pytest.mark.parametrize('option,parts', [
    # a connector built for 8 channels on a 16-channel feature
    ('in_channel=8', [
        "connector 'hint' (ConvModuleConnector) cannot take the student's "
        "recorder 'feat'", "student module 'backbone.layer4'",
        '(2, 16, 4, 4)', 'expected input[2, 16, 4, 4] to have 8 channels']),
    # a connector to 16 channels: the loss compares them with 32
    ('out_channel=16', [
        "distill loss 'loss_hint' (L2Loss) fails on its inputs",
        "s_feature = connector 'hint'", '(2, 16, 4, 4)',
        "t_feature = the teacher's recorder 'feat'", '(2, 32, 4, 4)']),
], ids=['connector', 'loss'])
def test_distiller_wiring_mismatch_stops_before_the_first_step(
        option, parts, trained_teacher, tmp_path):
    options = [f'model.teacher_ckpt={trained_teacher}',
               f'model.distiller.connectors.hint.{option}']
    result = run(python_tool('train.py', tiny_config('tiny_fitnet_digits.py'),
                             '--work-dir', tmp_path, '--cfg-options',
                             *options), cwd=REPO, check=False)
    output = stopped(result, 'ConnectorShapeError', *parts)
    assert 'Epoch(train)' not in output


def test_recorder_source_not_in_the_model_lists_nearby_names(
        trained_teacher, tmp_path):
    result = run(python_tool(
        'train.py', tiny_config('tiny_fitnet_digits.py'), '--work-dir',
        tmp_path, '--cfg-options', f'model.teacher_ckpt={trained_teacher}',
        'model.distiller.student_recorders.feat.source=backbone.layer4.9'),
        cwd=REPO, check=False)
    stopped(result, "ConfigError: recorder 'feat' (ModuleOutputsRecorder) "
            "records module 'backbone.layer4.9'",
            'Nearby module names: backbone.layer4.0, backbone.layer4.1')
