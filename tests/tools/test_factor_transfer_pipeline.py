"""Factor Transfer through the tools: pretrain -> train with dist_train.sh,
and a stage-2 run pointed at a missing or mismatched stage-1 checkpoint."""
import importlib.util
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from conftest import REPO, run, tiny_config
from reducekd.checkpoint import CheckpointError
from reducekd.registry import MODELS

PARA = 'distiller.connectors.paraphraser.'
NO_VAL = 'train_cfg.val_interval=100'  # keeps the tests short


def state_of(path):
    return torch.load(path, weights_only=True)['state_dict']


@pytest.fixture(scope='module')
def teacher_ckpt(tmp_path_factory):
    """The tiny teacher, untrained: stage 1 only needs its checkpoint."""
    torch.manual_seed(0)
    model_cfg = Config.fromfile(tiny_config('tiny_teacher_digits.py')).model
    with DefaultScope.overwrite_default_scope('reducekd'):
        teacher = MODELS.build(model_cfg)
    path = tmp_path_factory.mktemp('ft_teacher') / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, path)
    return path


@pytest.fixture(scope='module')
def pretrain_run(teacher_ckpt, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('ft_pretrain')
    result = run(['sh', 'tools/dist_train.sh', 'local', 'demo',
                  tiny_config('tiny_ft_pretrain_digits.py'), work_dir,
                  '--cfg-options', f'model.teacher_ckpt={teacher_ckpt}',
                  NO_VAL], cwd=REPO)
    return work_dir, result.stdout + result.stderr


def test_pretrain_lowers_reconstruction_loss(pretrain_run, teacher_ckpt):
    work_dir, output = pretrain_run
    losses = [float(x) for x in
              re.findall(r'distill\.loss_recon: ([0-9.]+)', output)]
    assert len(losses) == 12, output[-3000:]  # 3 epochs x 4 iterations
    assert losses[-1] < 0.8 * losses[0], losses
    checkpoint = torch.load(work_dir / 'epoch_3.pth', weights_only=True)
    state = checkpoint['state_dict']
    # the optimizer held the paraphraser's 12 tensors and nothing else
    params = [p for group in checkpoint['optimizer']['param_groups']
              for p in group['params']]
    assert len(params) == len([k for k in state if k.startswith(PARA)]) == 12
    # the frozen teacher is saved unchanged beside it
    for key, value in state_of(teacher_ckpt).items():
        assert torch.equal(state['teacher.' + key], value), key


def test_train_stage_through_dist_train(pretrain_run, teacher_ckpt,
                                        tmp_path):
    stage1 = pretrain_run[0] / 'epoch_3.pth'
    work_dir = tmp_path / 'ft'
    result = run(['sh', 'tools/dist_train.sh', 'local', 'demo',
                  tiny_config('tiny_ft_train_digits.py'), work_dir,
                  '--cfg-options', f'model.teacher_ckpt={teacher_ckpt}',
                  f'model.paraphraser_ckpt={stage1}', NO_VAL], cwd=REPO)
    output = result.stdout + result.stderr
    ft = [float(x) for x in re.findall(r'distill\.loss_ft: ([0-9.]+)',
                                       output)]
    assert len(ft) == 4 and all(x > 0 for x in ft), output[-3000:]
    assert re.search(r'student\.loss: [0-9.]+', output)
    state = state_of(work_dir / 'epoch_1.pth')
    stage1_state = state_of(stage1)
    paraphraser = [k for k in stage1_state if k.startswith(PARA)]
    assert paraphraser and all(
        torch.equal(state[k], stage1_state[k]) for k in paraphraser)
    assert any(k.startswith('distiller.connectors.translator.')
               for k in state)


def train_main():
    """tools/train.py's main(), called in this process (no interpreter
    start-up per case; test_train_test_tools.py checks the exit status and
    stderr of a CheckpointError raised there from the command line)."""
    spec = importlib.util.spec_from_file_location(
        'reducekd_train_tool', osp.join(REPO, 'tools', 'train.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


@pytest.mark.parametrize('case', [
    'missing', 'teacher_ckpt_instead', 'other_rate', 'other_teacher'])
def test_bad_stage1_checkpoint_stops_before_training(
        case, pretrain_run, teacher_ckpt, tmp_path):
    stage1 = pretrain_run[0] / 'epoch_3.pth'
    teacher = teacher_ckpt
    options = []
    if case == 'missing':
        stage1, expected = tmp_path / 'no_such.pth', 'does not exist'
    elif case == 'teacher_ckpt_instead':
        stage1 = teacher_ckpt
        expected = "has no 'distiller.connectors.paraphraser.*' keys"
    elif case == 'other_rate':  # factor channels 8 instead of 16
        options = ['model.distiller.connectors.paraphraser.rate=0.25',
                   'model.distiller.connectors.translator.out_channels=8']
        expected = ('shape mismatches (7): distiller.connectors.paraphraser.'
                    'encoder.1.0.weight: checkpoint (16, 32, 3, 3) vs model '
                    '(8, 32, 3, 3)')
    else:
        state = {k: v * 2 if v.is_floating_point() else v
                 for k, v in state_of(teacher_ckpt).items()}
        teacher = tmp_path / 'other_teacher.pth'
        torch.save({'state_dict': state}, teacher)
        expected = 'was trained on another teacher'
    work_dir = tmp_path / 'ft'
    with pytest.raises(CheckpointError) as error:
        train_main()([
            tiny_config('tiny_ft_train_digits.py'), '--work-dir',
            str(work_dir), '--cfg-options', f'model.teacher_ckpt={teacher}',
            f'model.paraphraser_ckpt={stage1}', *options])
    assert expected in str(error.value)
    assert not list(work_dir.glob('*.pth'))

