"""LambdaReLU and the hook that anneals it to the identity."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

import reducekd  # noqa: F401  (repairs the stack first)
from reducekd.engine.hooks import LambdaReLUAnnealHook
from reducekd.models.connectors import LambdaReLU, LowRankConvBranch
from reducekd.registry import HOOKS


def lambdas_over_training(hook, max_iters):
    """λ seen by each iteration, calling the hook with a fake runner."""
    act = LambdaReLU()
    runner = SimpleNamespace(model=nn.Sequential(act), max_iters=max_iters)
    hook.before_train(runner)
    seen = []
    for runner.iter in range(max_iters):
        hook.before_train_iter(runner, batch_idx=runner.iter)
        seen.append(act.lambda_.item())
    return seen


def test_lambda_relu_interpolates_relu_and_identity():
    x = torch.linspace(-2, 2, 9)
    act = LambdaReLU()
    assert torch.equal(act(x), F.relu(x))
    act.set_lambda(0.25)
    assert torch.allclose(act(x), F.leaky_relu(x, negative_slope=0.25))
    act.set_lambda(1.0)
    assert torch.equal(act(x), x)
    with pytest.raises(ValueError):
        act.set_lambda(1.5)


def test_linear_schedule_reaches_one_at_anneal_ratio():
    hook = LambdaReLUAnnealHook(anneal_ratio=0.5, schedule='linear')
    # progress = iter / 10, lambda = min(1, progress / 0.5)
    assert lambdas_over_training(hook, max_iters=11) == pytest.approx(
        [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])


def test_cosine_schedule():
    hook = LambdaReLUAnnealHook(anneal_ratio=0.4, schedule='cosine')
    # t = min(1, iter / 10 / 0.4) = iter / 4, lambda = (1 - cos(pi * t)) / 2
    assert lambdas_over_training(hook, max_iters=11) == pytest.approx(
        [0.0, 0.1464466094, 0.5, 0.8535533906] + [1.0] * 7)


@pytest.mark.parametrize('schedule', ['linear', 'cosine'])
def test_lambda_is_exactly_one_in_the_last_iteration(schedule):
    hook = LambdaReLUAnnealHook(anneal_ratio=1.0, schedule=schedule)
    seen = lambdas_over_training(hook, max_iters=5)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen)
    assert lambdas_over_training(hook, max_iters=1) == [1.0]


@pytest.mark.parametrize('kwargs', [dict(anneal_ratio=0.0),
                                    dict(anneal_ratio=1.5),
                                    dict(schedule='step')])
def test_invalid_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        LambdaReLUAnnealHook(**kwargs)


def test_model_without_lambda_relu_raises_before_training():
    runner = SimpleNamespace(model=nn.Sequential(nn.ReLU()))
    with pytest.raises(RuntimeError, match='no LambdaReLU'):
        LambdaReLUAnnealHook().before_train(runner)


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.branch = LowRankConvBranch(2, 2, stride=1, rank=2,
                                        lambda_relu=True)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.branch(torch.stack(inputs))
        return dict(loss=out.square().mean()) if mode == 'loss' else out


class LambdaRecorder(Hook):
    priority = 'LOW'  # after LambdaReLUAnnealHook (NORMAL)

    def __init__(self):
        self.seen = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.seen.append(runner.model.branch.act.lambda_.item())


def test_hook_in_a_real_runner(tmp_path):
    assert HOOKS.get('LambdaReLUAnnealHook') is LambdaReLUAnnealHook
    recorder = LambdaRecorder()
    runner = Runner(
        model=ToyModel(),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=[dict(inputs=torch.randn(2, 4, 4)) for _ in range(4)],
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=2),
        train_cfg=dict(by_epoch=False, max_iters=5),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(checkpoint=None),
        custom_hooks=[dict(type='LambdaReLUAnnealHook', anneal_ratio=0.5),
                      recorder],
        default_scope='reducekd')
    runner.train()
    # progress = iter / 4, lambda = min(1, progress / 0.5)
    assert recorder.seen == pytest.approx([0.0, 0.5, 1.0, 1.0, 1.0])
    runner.model.branch.equivalent_kernel_bias()  # linear: merging works
