"""Distill losses: golden values computed by hand, and registry-driven checks.

The expected numbers below were computed independently (plain Python
``math`` on the 2x3 tensors, or by hand), never by the code under test.
"""
import inspect

import pytest
import torch

import reducekd  # noqa: F401  (repairs the stack first)
import reducekd.models  # noqa: F401  (registers every module)
from reducekd.models.losses import (FactorTransferLoss, KDLoss,
                                    LogitRegressionLoss, NoisyTeacherLoss,
                                    ReconstructionLoss, perturb_logits)
from reducekd.registry import MODELS

# Shared 2x3 logits (N=2 samples, C=3 classes).
S = [[1.0, 2.0, 0.0], [0.5, -1.0, 2.0]]
T = [[2.0, 1.0, 0.0], [1.0, 1.0, -1.0]]


def tensors(s=S, t=T):
    return (torch.tensor(s, dtype=torch.float64, requires_grad=True),
            torch.tensor(t, dtype=torch.float64))


def approx(x):
    return pytest.approx(x, rel=1e-9, abs=1e-12)


# ----------------------------------------------------------------- KDLoss
# tau^2 * sum_i sum_c p_T log(p_T / p_S) / N, p = softmax(z / tau),
# evaluated with math.exp / math.log on S and T.
@pytest.mark.parametrize('tau,batchmean', [
    (1.0, 0.9419198088911291),
    (2.0, 1.120956170069178),
    (4.0, 1.2029759322574947),
])
def test_kd_loss_golden_batchmean(tau, batchmean):
    s, t = tensors()
    loss = KDLoss(tau=tau, reduction='batchmean')(s, t)
    assert loss.item() == approx(batchmean)


@pytest.mark.parametrize('tau,mean', [
    (1.0, 0.31397326963037636),
    (2.0, 0.37365205668972595),
    (4.0, 0.40099197741916487),
])
def test_kd_loss_golden_mean_is_batchmean_over_classes(tau, mean):
    # 'mean' (ReduceNet's nn.KLDivLoss()) = 'batchmean' / num_classes (3).
    s, t = tensors()
    loss = KDLoss(tau=tau, reduction='mean')(s, t)
    assert loss.item() == approx(mean)


def test_kd_loss_weight_and_tau_squared():
    s, t = tensors()
    # loss_weight multiplies: 0.7 * 1.120956170069178 (tau 2).
    loss = KDLoss(tau=2.0, loss_weight=0.7)(s, t)
    assert loss.item() == approx(0.7846693190484246)
    # identical logits -> zero, whatever tau.
    assert KDLoss(tau=3.0)(t.clone().requires_grad_(), t).item() == approx(0.0)


def test_kd_loss_rejects_bad_config_and_shapes():
    with pytest.raises(ValueError, match='reduction'):
        KDLoss(reduction='sum')
    with pytest.raises(ValueError, match='tau'):
        KDLoss(tau=0)
    with pytest.raises(ValueError, match=r'\(2, 3\).*\(2, 4\)'):
        KDLoss()(torch.zeros(2, 3), torch.zeros(2, 4))


# ---------------------------------------------------- LogitRegressionLoss
# S - T = [[-1, 1, 0], [-0.5, -2, 3]]; squares sum to 1+1+0+0.25+4+9 = 15.25.
def test_logit_regression_golden():
    s, t = tensors()
    assert LogitRegressionLoss()(s, t).item() == approx(15.25 / 6)
    assert LogitRegressionLoss(reduction='batchmean')(s, t).item() == approx(
        15.25 / 2)
    # The seed's tf.nn.l2_loss(t - s) / batch = 0.5 * 15.25 / 2 = 3.8125.
    seed_style = LogitRegressionLoss(loss_weight=0.5, reduction='batchmean')
    assert seed_style(s, t).item() == approx(3.8125)


def test_logit_regression_rejects_bad_reduction_and_shapes():
    with pytest.raises(ValueError, match='reduction'):
        LogitRegressionLoss(reduction='sum')
    with pytest.raises(ValueError, match='same shape'):
        LogitRegressionLoss()(torch.zeros(2, 3), torch.zeros(3, 3))


# ------------------------------------------------------- NoisyTeacherLoss
@pytest.mark.parametrize(
    'num,ratio,expected',
    [
        (4, 0.5, 2),
        (5, 0.5, 2),  # round(2.5) == 2 (ties to even)
        (3, 0.5, 2),  # round(1.5) == 2
        (7, 0.3, 2),  # round(2.1)
        (10, 1.0, 10),
        (10, 0.0, 0),
    ])
def test_perturb_logits_perturbs_exactly_round_ratio_n_rows(
        num, ratio, expected):
    torch.manual_seed(0)
    logits = torch.rand(num, 6) + 1.0
    noisy, mask = perturb_logits(logits, ratio, sigma=0.5)
    assert mask.dtype == torch.bool and mask.shape == (num, )
    assert int(mask.sum()) == expected
    changed = (noisy != logits).any(dim=1)
    assert torch.equal(changed, mask)
    assert torch.equal(noisy[~mask], logits[~mask])


def test_perturb_logits_is_multiplicative_with_std_sigma():
    torch.manual_seed(0)
    logits = torch.full((1000, 10), 3.0)
    noisy, mask = perturb_logits(logits, 1.0, sigma=0.1)
    xi = noisy / logits - 1.0  # z * (1 + xi)
    assert bool(mask.all())
    assert abs(xi.mean().item()) < 0.005
    assert abs(xi.std().item() - 0.1) < 0.005
    # per element, not one draw per sample
    assert xi[0].unique().numel() == 10


def test_perturb_logits_reproducible_from_global_seed():
    logits = torch.rand(8, 5) + 1.0
    torch.manual_seed(123)
    a, mask_a = perturb_logits(logits, 0.5, 0.1)
    torch.manual_seed(123)
    b, mask_b = perturb_logits(logits, 0.5, 0.1)
    torch.manual_seed(124)
    c, _ = perturb_logits(logits, 0.5, 0.1)
    assert torch.equal(a, b) and torch.equal(mask_a, mask_b)
    assert not torch.equal(a, c)


def test_perturb_logits_with_generator_leaves_global_rng_alone():
    logits = torch.rand(8, 5) + 1.0
    state = torch.get_rng_state()
    a, _ = perturb_logits(logits, 0.5, 0.1, torch.Generator().manual_seed(7))
    b, _ = perturb_logits(logits, 0.5, 0.1, torch.Generator().manual_seed(7))
    assert torch.equal(a, b)
    assert torch.equal(torch.get_rng_state(), state)


def test_perturb_logits_rejects_bad_arguments():
    with pytest.raises(ValueError, match='noisy_ratio'):
        perturb_logits(torch.zeros(2, 3), 1.5, 0.1)
    with pytest.raises(ValueError, match='sigma'):
        perturb_logits(torch.zeros(2, 3), 0.5, -0.1)
    with pytest.raises(ValueError, match='noisy_ratio'):
        NoisyTeacherLoss(noisy_ratio=-0.1)


def test_noisy_teacher_loss_train_mode_regresses_perturbed_teacher():
    s, t = tensors()
    loss_fn = NoisyTeacherLoss(noisy_ratio=0.5, sigma=0.3)
    assert loss_fn.training
    torch.manual_seed(5)
    loss = loss_fn(s, t)
    torch.manual_seed(5)
    noisy, mask = perturb_logits(t, 0.5, 0.3)
    assert int(mask.sum()) == 1
    diffs = [(a - b)**2 for a, b in zip(s.detach().flatten().tolist(),
                                        noisy.flatten().tolist())]
    assert loss.item() == approx(sum(diffs) / 6)
    assert loss.item() != approx(15.25 / 6)
    # same seed, same loss; another seed, another loss
    torch.manual_seed(5)
    assert loss_fn(s, t).item() == loss.item()
    torch.manual_seed(6)
    assert loss_fn(s, t).item() != loss.item()


def test_noisy_teacher_loss_no_noise_in_eval_mode():
    s, t = tensors()
    loss_fn = NoisyTeacherLoss(noisy_ratio=1.0, sigma=1.0,
                               loss_weight=2.0).eval()
    state = torch.get_rng_state()
    # 2 * 15.25 / 6, the plain logit regression
    assert loss_fn(s, t).item() == approx(2.0 * 15.25 / 6)
    assert torch.equal(torch.get_rng_state(), state)


# ------------------------------------------------------ FactorTransferLoss
# FT(S) rows: [3,4,0]/5 = [.6,.8,0], [0,0,2]/2 = [0,0,1]
# FT(T) rows: [0,3,4]/5 = [0,.6,.8], [1,0,0]/1 = [1,0,0]
# diff = [[.6,.2,-.8],[-1,0,1]] -> |.| sum 3.6, squares sum 3.04, 6 elements.
FT_S = [[3.0, 4.0, 0.0], [0.0, 0.0, 2.0]]
FT_T = [[0.0, 3.0, 4.0], [1.0, 0.0, 0.0]]


@pytest.mark.parametrize('p,expected', [(1, 3.6 / 6), (2, 3.04 / 6)])
def test_factor_transfer_loss_golden(p, expected):
    s, t = tensors(FT_S, FT_T)
    assert FactorTransferLoss(p=p)(s, t).item() == approx(expected)
    # beta = 500 of the official code, as loss_weight
    assert FactorTransferLoss(p=p, loss_weight=500)(s, t).item() == approx(
        500 * expected)
    # a feature map (N, C, H, W) is flattened per sample
    s4, t4 = s.detach().view(2, 3, 1, 1), t.view(2, 3, 1, 1)
    assert FactorTransferLoss(p=p)(s4, t4).item() == approx(expected)


def test_factor_transfer_loss_is_scale_invariant_per_sample():
    s, t = tensors(FT_S, FT_T)
    scaled = s.detach() * torch.tensor([[10.0], [0.1]], dtype=s.dtype)
    assert FactorTransferLoss()(scaled, t).item() == approx(0.6)


def test_factor_transfer_loss_rejects_bad_p_and_shapes():
    with pytest.raises(ValueError, match='p must be 1 or 2'):
        FactorTransferLoss(p=3)
    with pytest.raises(ValueError, match='same shape'):
        FactorTransferLoss()(torch.ones(2, 4, 3, 3), torch.ones(2, 4, 2, 2))


# ------------------------------------------------------ ReconstructionLoss
# rec - target = [[0,2,0],[2,0,-3]]: |.| sum 7, squares sum 17, 6 elements.
@pytest.mark.parametrize('p,expected', [(1, 7 / 6), (2, 17 / 6)])
def test_reconstruction_loss_golden(p, expected):
    s, t = tensors([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
                   [[1.0, 0.0, 3.0], [2.0, 5.0, 9.0]])
    assert ReconstructionLoss(p=p)(s, t).item() == approx(expected)
    assert ReconstructionLoss(p=p, loss_weight=0.5)(s, t).item() == approx(
        0.5 * expected)


# ----------------------------------------------- registry-driven checks
def registered_losses():
    found = sorted((name, cls) for name, cls in MODELS.module_dict.items()
                   if name.endswith('Loss')
                   and cls.__module__.startswith('reducekd.models.losses'))
    return found


LOSSES = registered_losses()


def test_registry_finds_the_losses():
    names = {name for name, _ in LOSSES}
    assert len(names) >= 5
    assert {'KDLoss', 'FactorTransferLoss'} <= names


@pytest.fixture(params=[cls for _, cls in LOSSES],
                ids=[name for name, _ in LOSSES])
def loss_cls(request):
    return request.param


def test_loss_has_the_project_signature_and_docs(loss_cls):
    params = list(inspect.signature(loss_cls.forward).parameters)
    assert params == ['self', 'preds_S', 'preds_T']
    assert 'loss_weight' in inspect.signature(loss_cls.__init__).parameters
    assert 'https://arxiv.org/abs/' in (loss_cls.__doc__ or '')


def test_loss_builds_with_defaults_and_backprops_to_student(loss_cls):
    loss_fn = MODELS.build(dict(type=loss_cls.__name__))
    torch.manual_seed(0)
    preds_S = torch.randn(4, 5, requires_grad=True)
    preds_T = torch.randn(4, 5, requires_grad=True)
    loss = loss_fn(preds_S, preds_T)
    assert loss.dim() == 0 and torch.isfinite(loss)
    loss.backward()
    assert preds_S.grad is not None
    assert torch.isfinite(preds_S.grad).all() and preds_S.grad.abs().sum() > 0
    # the teacher side / target is a constant: no gradient reaches it
    assert preds_T.grad is None
    # and a teacher output produced under no_grad is accepted as is
    with torch.no_grad():
        frozen_T = preds_T * 1.0
    assert torch.isfinite(loss_fn(preds_S, frozen_T))


def test_loss_weight_scales_linearly(loss_cls):
    torch.manual_seed(0)
    preds_S, preds_T = torch.randn(4, 5), torch.randn(4, 5)
    base = MODELS.build(dict(type=loss_cls.__name__)).eval()
    weighted = MODELS.build(dict(type=loss_cls.__name__,
                                 loss_weight=2.5)).eval()
    assert weighted(preds_S, preds_T).item() == pytest.approx(
        2.5 * base(preds_S, preds_T).item(), rel=1e-6)


def test_loss_rejects_mismatched_shapes(loss_cls):
    loss_fn = MODELS.build(dict(type=loss_cls.__name__))
    with pytest.raises(ValueError):
        loss_fn(torch.randn(4, 5), torch.randn(4, 6))
