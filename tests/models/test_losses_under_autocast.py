"""Every distill loss computes in fp32 under mixed precision.

Under ``--amp`` a loss receives half-precision logits or features from the
autocast forward. The reference is the same loss, outside autocast, on the
same values cast to fp32: a loss that computes in fp32 performs the same
fp32 operations on the same numbers, so the two agree to fp32 rounding
(``rtol=1e-5`` allows for a different reduction order only). A loss that
computed in bf16 would return a bf16 value, off by up to 1/128 relative.
"""
import pytest
import torch

import reducekd  # noqa: F401  (repairs the stack first)
import reducekd.models  # noqa: F401  (registers every module)
from reducekd.registry import MODELS

N, C = 8, 10


def logits(scale, seed):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(N, C, generator=generator) * scale


def features(seed, shape=(N, 16, 4, 4)):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator) * 3


def labels():
    return torch.arange(N) % C


#: (loss config, inputs builder): large logits (x30) at T=0.3 and T=20 for
#: every temperature-scaled loss, features for the feature losses.
CASES = {
    **{f'KDLoss T={tau}': (dict(type='KDLoss', tau=tau),
                           lambda: (logits(30, 0), logits(30, 1)))
       for tau in (0.3, 20)},
    **{f'KLDivergence T={tau}': (dict(type='KLDivergence', tau=tau),
                                 lambda: (logits(30, 0), logits(30, 1)))
       for tau in (0.3, 20)},
    **{f'DKDLoss T={tau}': (dict(type='DKDLoss', tau=tau),
                            lambda: (logits(30, 0), logits(30, 1), labels()))
       for tau in (0.3, 20)},
    **{f'DISTLoss T={tau}': (dict(type='DISTLoss', tau=tau),
                             lambda: (logits(30, 0), logits(30, 1)))
       for tau in (0.3, 20)},
    **{f'WSLD T={tau}': (dict(type='WSLD', tau=tau, num_classes=C),
                         lambda: (logits(30, 0), logits(30, 1), labels()))
       for tau in (0.3, 20)},
    **{f'ChannelWiseDivergence T={tau}': (
        dict(type='ChannelWiseDivergence', tau=tau),
        lambda: (features(0), features(1))) for tau in (0.3, 20)},
    'LogitRegressionLoss': (dict(type='LogitRegressionLoss'),
                            lambda: (logits(30, 0), logits(30, 1))),
    'NoisyTeacherLoss': (dict(type='NoisyTeacherLoss'),
                         lambda: (logits(30, 0), logits(30, 1))),
    'FactorTransferLoss': (dict(type='FactorTransferLoss'),
                           lambda: (features(0), features(1))),
    'ReconstructionLoss': (dict(type='ReconstructionLoss'),
                           lambda: (features(0), features(1))),
    'FTLoss': (dict(type='FTLoss'), lambda: (features(0), features(1))),
    'L2Loss': (dict(type='L2Loss'), lambda: (features(0), features(1))),
    'L1Loss': (dict(type='L1Loss'), lambda: (features(0), features(1))),
    'ATLoss': (dict(type='ATLoss'), lambda: (features(0), features(1))),
    'DistanceWiseRKD': (dict(type='DistanceWiseRKD'),
                        lambda: (logits(30, 0), logits(30, 1))),
    'AngleWiseRKD': (dict(type='AngleWiseRKD'),
                     lambda: (logits(30, 0), logits(30, 1))),
}


def test_every_reducekd_loss_has_a_case():
    own = {name for name, cls in MODELS.module_dict.items()
           if cls.__module__.startswith('reducekd.models.losses')}
    covered = {cfg['type'] for cfg, _ in CASES.values()}
    assert own and own <= covered


@pytest.mark.parametrize('name', list(CASES))
def test_loss_is_fp32_under_bf16_autocast(name):
    cfg, make_inputs = CASES[name]
    torch.manual_seed(0)  # the noisy teacher draws its noise
    loss_fn = MODELS.build(dict(cfg))
    inputs = [x.bfloat16() if x.is_floating_point() else x
              for x in make_inputs()]
    torch.manual_seed(1)
    reference = loss_fn(*[x.float() if x.is_floating_point() else x
                          for x in inputs])
    torch.manual_seed(1)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = loss_fn(*inputs)
    assert loss.dtype == torch.float32, name
    assert torch.isfinite(loss), name
    torch.testing.assert_close(loss, reference, rtol=1e-5, atol=1e-6)


def test_gradients_reach_half_precision_inputs():
    student = logits(30, 0).bfloat16().requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        loss = MODELS.build(dict(type='KDLoss', tau=0.3))(
            student, logits(30, 1).bfloat16())
    loss.backward()
    assert student.grad.dtype == torch.bfloat16
    assert torch.isfinite(student.grad.float()).all()
    assert student.grad.float().abs().sum() > 0
