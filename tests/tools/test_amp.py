"""tools/train.py --amp: fp16 or bf16 on a CUDA GPU, refused without one.

The GPU side (one iteration of every digits config in fp16 and bf16) is in
tests/gpu/test_gpu.py; here the refusal on a machine without CUDA and the
config the option makes.
"""
import pytest
import torch
from mmengine.config import Config

from conftest import REPO, load_tool, python_tool, run, tiny_config
from reducekd.errors import ConfigError
from reducekd.precision import use_mixed_precision

no_cuda = pytest.mark.skipif(torch.cuda.is_available(),
                             reason='this machine has CUDA')


@no_cuda
@pytest.mark.parametrize('options', [
    ['--amp'], ['--amp', 'bf16'],
    ['--cfg-options', 'optim_wrapper.type=AmpOptimWrapper']])
def test_mixed_precision_without_cuda_stops_before_building(options,
                                                            tmp_path):
    result = run(python_tool('train.py', tiny_config('tiny_teacher_digits.py'),
                             '--work-dir', tmp_path, *options),
                 cwd=REPO, check=False)
    assert result.returncode == 2, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('DeviceError: mixed precision') and \
        'needs a CUDA GPU' in last and 'drop --amp' in last
    # nothing was built: no log, no checkpoint in the work dir
    assert not list(tmp_path.iterdir())


def test_amp_option_selects_the_wrapper_and_dtype(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    for precision, dtype in (('fp16', 'float16'), ('bf16', 'bfloat16')):
        cfg = Config(dict(optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.1))))
        use_mixed_precision(cfg, precision)
        assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
        assert cfg.optim_wrapper.dtype == dtype
        assert cfg.optim_wrapper.loss_scale == 'dynamic'


def test_amp_refuses_another_optimizer_wrapper():
    cfg = Config(dict(optim_wrapper=dict(type='ApexOptimWrapper')))
    with pytest.raises(ConfigError, match='ApexOptimWrapper'):
        use_mixed_precision(cfg, 'fp16')


def test_amp_choices_are_fp16_and_bf16():
    parse = load_tool('train.py').parse_args
    assert parse(['c.py', '--amp']).amp == 'fp16'
    assert parse(['c.py', '--amp', 'bf16']).amp == 'bf16'
    assert parse(['c.py']).amp is None
    with pytest.raises(SystemExit):
        parse(['c.py', '--amp', 'fp8'])
