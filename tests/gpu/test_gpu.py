"""The GPU path: CUDA, NCCL and mixed precision (``pytest -m gpu``).

Skipped without CUDA; ``tools/gpu_check.sh`` runs them on a GPU machine.
mmengine's Runner puts the model on the GPU whenever CUDA is there, so the
runs below go through ``tools/train.py`` as on CPU.
"""
import math
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config

# The GPU tests reuse the CPU suite's helpers (config shrinking, generated
# checkpoints, fusion fixtures); their folders are importable also when
# ``pytest tests/gpu`` collects this folder alone.
TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path[:0] = [osp.join(TESTS, folder) for folder in ('configs', 'models')]

from conftest import REPO, run, tiny_config
from reducekd.analysis.runs import read_scalars, split_records
from reducekd.checkpoint import load_local_checkpoint
from test_all_configs import CONFIGS
from test_configs_train import checkpoint_options, shrink_options
from test_reparameterize import LOW_RANK_LAMBDA, build_classifier, eval_model
from reducekd.models.utils import reparameterize_model
from train_in_process import TRAIN

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA'),
]

DIGITS_CONFIGS = [path for path in CONFIGS if path.endswith('_digits.py')]
PRECISIONS = {'fp32': [], 'fp16': ['--amp'], 'bf16': ['--amp', 'bf16']}


def train(config, work_dir, *args):
    TRAIN.main([str(config), '--work-dir', str(work_dir), *map(str, args)])
    return split_records(read_scalars(work_dir))


def test_fused_student_equals_unfused_on_cuda():
    # fp32 on the GPU: cuDNN picks its own convolution algorithms (TF32
    # off), so equality holds to fp32 rounding of a 8-layer net, not fp64
    torch.backends.cudnn.allow_tf32 = False
    model = eval_model(build_classifier(lora=LOW_RANK_LAMBDA)).float().cuda()
    fused = reparameterize_model(model)
    x = torch.randn(4, 3, 32, 32, device='cuda')
    with torch.no_grad():
        expected, got = model(x, mode='tensor'), fused(x, mode='tensor')
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('precision', list(PRECISIONS))
@pytest.mark.parametrize('path', DIGITS_CONFIGS,
                         ids=[osp.basename(p) for p in DIGITS_CONFIGS])
def test_digits_config_trains_one_iteration_on_cuda(path, precision,
                                                    tmp_path):
    cfg = Config.fromfile(path)
    options = shrink_options(cfg, tmp_path) + checkpoint_options(cfg,
                                                                 tmp_path)
    records, val = train(path, tmp_path / 'work', *PRECISIONS[precision],
                         '--cfg-options', *options)
    assert [record['iter'] for record in records] == [1]
    assert math.isfinite(records[0]['loss'])
    assert len(val) == 1


def test_reducenet_stage2_inherits_a_gpu_trained_teacher(tmp_path):
    stage1 = osp.join(REPO, 'configs/reducenet/'
                      'reduce20-w1-e1-teacher_1xb64_digits.py')
    stage2 = osp.join(REPO, 'configs/reducenet/reducenet_reduce20-w1-'
                      'student_from_reduce20-w1-e1-teacher_1xb64_digits.py')
    short = ['train_cfg.max_epochs=1', 'train_dataloader.dataset.indices=64']
    train(stage1, tmp_path / 'teacher', '--cfg-options', *short)
    teacher = tmp_path / 'teacher' / 'epoch_1.pth'
    records, _ = train(stage2, tmp_path / 'student', '--cfg-options',
                       *short, f'model.teacher_ckpt={teacher}')
    assert math.isfinite(records[-1]['loss'])


def test_resume_on_the_gpu_continues_the_run(tmp_path):
    """A 2-epoch run, rewound to its epoch-1 checkpoint and resumed, ends at
    epoch 2 with finite loss (cuDNN's kernels are not bit-deterministic, so
    the weights are compared within a tolerance, not for equality)."""
    config = tiny_config('tiny_teacher_digits.py')
    options = ['--cfg-options', 'train_cfg.max_epochs=2', 'randomness.seed=0',
               'randomness.deterministic=True']
    train(config, tmp_path, *options)
    straight = load_local_checkpoint(str(tmp_path / 'epoch_2.pth'))
    (tmp_path / 'epoch_2.pth').unlink()
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_1.pth'))
    records, _ = train(config, tmp_path, '--resume', *options)
    assert records[-1]['epoch'] == 2 and math.isfinite(records[-1]['loss'])
    resumed = load_local_checkpoint(str(tmp_path / 'epoch_2.pth'))
    for key, value in straight['state_dict'].items():
        torch.testing.assert_close(resumed['state_dict'][key], value,
                                   rtol=1e-3, atol=1e-4, msg=key)


def test_gpu_checkpoint_is_tested_on_cpu(tmp_path):
    config = tiny_config('tiny_teacher_digits.py')
    train(config, tmp_path, '--cfg-options', 'train_cfg.max_epochs=1')
    checkpoint = tmp_path / 'epoch_1.pth'
    state = load_local_checkpoint(str(checkpoint),
                                  map_location=None)['state_dict']
    assert all(value.device.type == 'cpu' for value in state.values())
    result = run(['python', 'tools/test.py', config, checkpoint, '--eval',
                  'accuracy', '--work-dir', tmp_path / 'test'], cwd=REPO,
                 CUDA_VISIBLE_DEVICES='')
    assert 'accuracy/top1' in result.stdout + result.stderr


def test_one_gpu_through_torchrun_on_nccl(tmp_path):
    result = run(['sh', 'tools/dist_train.sh', 'local', 'gpu',
                  tiny_config('tiny_teacher_digits.py'), tmp_path,
                  '--cfg-options', 'train_cfg.max_epochs=1'],
                 cwd=REPO, GPUS='1', LAUNCHER='pytorch', PORT='29531')
    output = result.stdout + result.stderr
    assert 'Distributed launcher: pytorch' in output
    # with CUDA, reducekd leaves the process group to mmengine, which
    # starts the config's backend
    (dumped, ) = tmp_path.glob('tiny_teacher_digits.py')
    assert Config.fromfile(str(dumped)).env_cfg.dist_cfg.backend == 'nccl'
    assert (tmp_path / 'epoch_1.pth').is_file()
