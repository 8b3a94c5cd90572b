"""Distillation losses in fp32 under mixed precision.

Under ``--amp`` the whole training step runs in ``torch.autocast``: the
student's and the frozen teacher's logits come out in fp16 or bf16. A
temperature-scaled softmax, a KL divergence or a normalised feature
distance computed in those types loses what distillation lives on: bf16
keeps 8 significant bits (relative steps of 1/128), coarser than the
differences between the nearly uniform soft targets at ``T = 20``, and
fp16 ends at 65504, which squared feature norms and logits over
``T = 0.3`` pass. Every distill loss therefore computes in fp32:
its floating-point tensor arguments are cast up and autocast is switched
off inside it (fp64, as the golden-value tests use, stays fp64). reducekd's own losses are decorated with
:func:`computed_in_fp32`; mmrazor's are given the same wrapper by the stack
repairs (:func:`reducekd.compat.mmrazor_losses_in_fp32`).

``tools/train.py --amp`` (fp16 with dynamic loss scaling) or ``--amp bf16``
selects mmengine's ``AmpOptimWrapper`` (:func:`use_mixed_precision`). The
frozen teacher then runs in the same autocast region, under ``no_grad`` as
always. mmengine's wrapper runs on CUDA (or NPU/MLU/MUSA) devices only; on a
machine without one, mixed precision is refused before anything is built
(:func:`check_mixed_precision_device`) rather than run as CPU bf16 autocast:
mmengine has no CPU path for it, and most CPUs compute bf16 no faster.
"""
import functools

import torch

from reducekd.errors import ConfigError, DeviceError

HALF_DTYPES = (torch.float16, torch.bfloat16)
#: ``--amp`` choices and the ``AmpOptimWrapper`` dtype each selects.
AMP_DTYPES = {'fp16': 'float16', 'bf16': 'bfloat16'}


def _to_fp32(value):
    """Half-precision tensors, also inside lists and tuples (losses over
    several stages take lists of features), cast to fp32; fp32 and fp64
    stay as they are."""
    if torch.is_tensor(value) and value.dtype in HALF_DTYPES:
        return value.float()
    if isinstance(value, (list, tuple)):
        return type(value)(map(_to_fp32, value))
    return value


def _device_type(args, kwargs):
    for value in (*args, *kwargs.values()):
        if torch.is_tensor(value):
            return value.device.type
    return 'cpu'


def computed_in_fp32(forward):
    """Decorate a loss's ``forward`` to compute in fp32 whatever autocast or
    its inputs' dtypes say; gradients flow back to the half-precision
    inputs through the casts."""
    if getattr(forward, 'computed_in_fp32', False):
        return forward

    @functools.wraps(forward)
    def forward_in_fp32(self, *args, **kwargs):
        with torch.autocast(_device_type(args, kwargs), enabled=False):
            return forward(self, *map(_to_fp32, args),
                           **{k: _to_fp32(v) for k, v in kwargs.items()})

    forward_in_fp32.computed_in_fp32 = True
    return forward_in_fp32


def use_mixed_precision(cfg, precision):
    """Make ``cfg`` train with mixed ``precision`` (a key of
    :data:`AMP_DTYPES`) through mmengine's ``AmpOptimWrapper``.

    Raises:
        ConfigError: The config's optimiser wrapper is not a plain one.
        DeviceError: There is no device mmengine's AMP runs on.
    """
    wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
        raise ConfigError(
            f'--amp replaces optim_wrapper.type=OptimWrapper with '
            f'AmpOptimWrapper; this config has {wrapper}. Drop --amp, or '
            'configure mixed precision in that wrapper.')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.dtype = AMP_DTYPES[precision]
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    check_mixed_precision_device(cfg)


def check_mixed_precision_device(cfg):
    """Refuse ``AmpOptimWrapper`` (from ``--amp`` or the config) where
    mmengine cannot run it: without a CUDA GPU here.

    Raises:
        DeviceError: The config asks for mixed precision on a machine
            without CUDA.
    """
    if cfg.get('optim_wrapper', {}).get('type') != 'AmpOptimWrapper':
        return
    if torch.cuda.is_available():
        return
    raise DeviceError(
        'mixed precision (--amp, optim_wrapper.type=AmpOptimWrapper) needs '
        'a CUDA GPU, and torch.cuda.is_available() is False here. Train in '
        'fp32 on this machine: drop --amp (or set '
        'optim_wrapper.type=OptimWrapper).')
