"""Anneal VanillaNet's LambdaReLU from a ReLU into the identity."""
import math

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from reducekd.models.connectors.lora_branch import LambdaReLU
from reducekd.registry import HOOKS

_SCHEDULES = {
    'linear': lambda t: t,
    'cosine': lambda t: 0.5 * (1.0 - math.cos(math.pi * t)),
}


@HOOKS.register_module()
class LambdaReLUAnnealHook(Hook):
    """Set ``λ`` of every :class:`LambdaReLU` before each training iteration.

    ``λ = schedule(min(1, progress / anneal_ratio))`` with ``linear(t) = t``
    or ``cosine(t) = 0.5 * (1 - cos(pi * t))``, and
    ``progress = iter / (max_iters - 1)``: the first iteration runs with a
    ReLU (``λ = 0``), ``λ`` reaches exactly 1 after the ``anneal_ratio``
    fraction of training, and at the latest in the last iteration, so the
    trained branches are linear and can be merged
    (:func:`reducekd.models.utils.reparameterize_model`).

    VanillaNet (https://arxiv.org/abs/2305.12972) anneals once per epoch
    (``λ = epoch / decay_epochs``); this hook updates every iteration, which
    is smoother and works the same for epoch- and iteration-based loops.
    ReduceNet (https://github.com/ohmydroid/reducenet) puts the LambdaReLU in
    its student's LoRA branches.

    Args:
        anneal_ratio (float): Fraction of training, in ``(0, 1]``, after
            which ``λ = 1``. Defaults to 0.5.
        schedule (str): ``'linear'`` or ``'cosine'``. Defaults to
            ``'linear'``.
    """

    priority = 'NORMAL'

    def __init__(self, anneal_ratio: float = 0.5, schedule: str = 'linear'):
        if not 0.0 < anneal_ratio <= 1.0:
            raise ValueError(
                f'anneal_ratio must lie in (0, 1], got {anneal_ratio}')
        if schedule not in _SCHEDULES:
            raise ValueError(f'schedule must be one of {sorted(_SCHEDULES)}, '
                             f'got {schedule!r}')
        self.anneal_ratio = anneal_ratio
        self.schedule = schedule

    def lambda_at(self, iteration: int, max_iters: int) -> float:
        """``λ`` for the training iteration ``iteration`` of ``max_iters``."""
        progress = iteration / (max_iters - 1) if max_iters > 1 else 1.0
        return _SCHEDULES[self.schedule](min(1.0,
                                             progress / self.anneal_ratio))

    @staticmethod
    def _lambda_relus(runner):
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        return [m for m in model.modules() if isinstance(m, LambdaReLU)]

    def before_train(self, runner) -> None:
        """Fail early when the model has nothing to anneal."""
        if not self._lambda_relus(runner):
            raise RuntimeError(
                'LambdaReLUAnnealHook found no LambdaReLU in the model: '
                'build its LoRA branches with lambda_relu=True or remove '
                'the hook.')

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        """Set ``λ`` for the coming iteration."""
        value = self.lambda_at(runner.iter, runner.max_iters)
        for module in self._lambda_relus(runner):
            module.set_lambda(value)
