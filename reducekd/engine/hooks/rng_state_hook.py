"""Save and restore random number generators so ``--resume`` is exact."""
import random

import numpy as np
import torch
from mmengine.hooks import Hook

from reducekd.registry import HOOKS


def capture_rng_states():
    """The states of python's, numpy's and torch's CPU generators."""
    return dict(python=random.getstate(), numpy=np.random.get_state(),
                torch=torch.get_rng_state())


def restore_rng_states(states):
    """Set the generators to states from :func:`capture_rng_states`."""
    random.setstate(states['python'])
    np.random.set_state(states['numpy'])
    torch.set_rng_state(states['torch'])


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Make a resumed run draw the same random numbers as an uninterrupted one.

    mmengine's checkpoints hold model, optimizer, schedulers and message hub
    but no generator states, so after ``--resume`` augmentation and dropout
    draw other numbers. This hook stores the states in every checkpoint and
    sets them again at the start of the next training epoch (or iteration),
    in the resumed run from the checkpoint and in the uninterrupted run from
    its own copy. Restoring at that point, not when saving, also erases what
    validation between the checkpoint and the next epoch drew, which the
    resumed run does not repeat.
    """

    priority = 'VERY_HIGH'

    def __init__(self):
        self._pending = None

    def before_save_checkpoint(self, runner, checkpoint):
        self._pending = capture_rng_states()
        checkpoint['rng_states'] = self._pending

    def after_load_checkpoint(self, runner, checkpoint):
        self._pending = checkpoint.get('rng_states')

    def _restore_pending(self):
        if self._pending is not None:
            restore_rng_states(self._pending)
            self._pending = None

    def before_train_epoch(self, runner):
        self._restore_pending()

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._restore_pending()
