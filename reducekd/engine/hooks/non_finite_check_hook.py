"""Stop a run at its first non-finite loss, before it can save bad weights."""
import math
import os.path as osp

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook

from reducekd.errors import NonFiniteError
from reducekd.registry import HOOKS


def _value(loss):
    return float(loss.detach().float().mean()) if torch.is_tensor(loss) \
        else float(loss)


def non_finite_terms(outputs):
    """The loss terms of a training step's log dict that are NaN or inf.

    Args:
        outputs (dict): What ``train_step`` returned: the total ``loss`` and
            each term (``student.loss``, ``distill.loss_kd`` ...).

    Returns:
        dict[str, float]: Every term, when any of them is non-finite; empty
        when all are finite.
    """
    values = {name: _value(loss) for name, loss in (outputs or {}).items()}
    if all(math.isfinite(value) for value in values.values()):
        return {}
    return values


def non_finite_tensors(state_dict):
    """Names of the floating-point tensors of a state dict with NaN or inf."""
    return [name for name, tensor in state_dict.items()
            if torch.is_tensor(tensor) and tensor.is_floating_point()
            and not bool(torch.isfinite(tensor).all())]


def _last_good_checkpoint(work_dir):
    """The checkpoint mmengine's ``last_checkpoint`` file points at."""
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as file:
        path = file.read().strip()
    return path if osp.isfile(path) else None


def _learning_rates(runner):
    rates = runner.optim_wrapper.get_lr()
    return ', '.join(f'{name} {values[0]:.4g}' if len(rates) > 1
                     else f'{values[0]:.4g}' for name, values in rates.items())


@HOOKS.register_module()
class NonFiniteCheckHook(Hook):
    """Stop training at the first NaN/inf loss and never save such weights.

    mmengine trains on when the loss turns NaN (a learning rate of ``1e6``,
    a bad input), logging ``loss: nan`` and saving NaN checkpoints every
    epoch, which ``max_keep_ckpts`` then uses to delete the good ones. This
    hook raises :class:`~reducekd.errors.NonFiniteError` instead:

    * after every training iteration whose loss or any loss term is not
      finite (on every rank at once: the check is all-reduced), naming the
      iteration, each term's value, the learning rate and the last good
      checkpoint, which stays untouched because nothing is saved after it;
    * before a checkpoint is written whose weights hold NaN or inf (weights
      can turn non-finite in the optimizer step of an iteration whose loss
      was still finite).

    The tools add this hook to every run (:mod:`reducekd.runner`).
    """

    # Before CheckpointHook (VERY_LOW) saves and LoggerHook logs.
    priority = 'VERY_HIGH'

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        """Raise when this iteration's loss (on any rank) is not finite."""
        terms = non_finite_terms(outputs)
        if get_world_size() > 1:
            flag = torch.tensor([float(bool(terms))])
            all_reduce(flag)
            if flag.item() and not terms:
                raise NonFiniteError(
                    f'the loss of another process turned non-finite at '
                    f'iteration {runner.iter + 1}; its message names the '
                    'terms.')
        if not terms:
            return
        listed = ', '.join(f'{name}={value:.4g}'
                           for name, value in terms.items())
        last = _last_good_checkpoint(runner.work_dir)
        kept = (f'The last good checkpoint, {last}, is kept; resume from it '
                f'with --resume {last} once the cause is fixed.') if last \
            else 'No checkpoint was saved before it.'
        raise NonFiniteError(
            f'non-finite loss at iteration {runner.iter + 1} (epoch '
            f'{runner.epoch + 1}): {listed}; learning rate '
            f'{_learning_rates(runner)}. Training stopped before saving '
            f'anything from this iteration. {kept} Usual causes: a learning '
            'rate too high for the model (optim_wrapper.optimizer.lr), '
            'exploding gradients (set optim_wrapper.clip_grad=dict('
            'max_norm=...)), or non-finite input data.')

    def before_save_checkpoint(self, runner, checkpoint) -> None:
        """Refuse to write a checkpoint whose weights are not finite."""
        bad = non_finite_tensors(checkpoint.get('state_dict', {}))
        if bad:
            shown = ', '.join(bad[:5]) + (
                f' ... and {len(bad) - 5} more' if len(bad) > 5 else '')
            raise NonFiniteError(
                f'the weights turned non-finite at iteration {runner.iter} '
                f'({len(bad)} tensors: {shown}); the checkpoint was not '
                'written, so the last good one is kept. Lower '
                'optim_wrapper.optimizer.lr or clip gradients '
                '(optim_wrapper.clip_grad=dict(max_norm=...)).')
