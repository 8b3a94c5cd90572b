"""Save and restore random number generators so ``--resume`` is exact."""
import functools
import random

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
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

    Each process of a multi-process run has generators of its own (with
    ``randomness.diff_rank_seed=True`` they are seeded differently), while
    only the first process writes the checkpoint: at every save all
    processes take their states together, the checkpoint holds them as a
    list indexed by rank, and each process restores its own. A checkpoint
    with one dict of states (from before states were kept per process) gives
    it to every process.
    """

    priority = 'VERY_HIGH'

    def __init__(self):
        self._pending = None
        self._all_states = None

    def before_train(self, runner):
        # Runner.save_checkpoint works on the first process only, but
        # CheckpointHook calls it on every process at the same points: there
        # all processes can gather their states.
        save = runner.save_checkpoint

        @functools.wraps(save)
        def save_with_rng_states(*args, **kwargs):
            self._all_states = all_gather_object(capture_rng_states())
            self._pending = self._all_states[get_rank()]
            return save(*args, **kwargs)

        runner.save_checkpoint = save_with_rng_states

    def before_save_checkpoint(self, runner, checkpoint):
        checkpoint['rng_states'] = self._all_states or [capture_rng_states()]
        self._all_states = None

    def after_load_checkpoint(self, runner, checkpoint):
        states = checkpoint.get('rng_states')
        if isinstance(states, dict):
            self._pending = states
            return
        rank, world_size = get_rank(), get_world_size()
        if states and len(states) != world_size:
            runner.logger.warning(
                f'the checkpoint holds the random states of {len(states)} '
                f'processes and this run has {world_size}: the resumed run '
                'draws other random numbers than the original would.')
        self._pending = states[rank] if states and rank < len(states) \
            else None

    def _restore_pending(self):
        if self._pending is not None:
            restore_rng_states(self._pending)
            self._pending = None

    def before_train_epoch(self, runner):
        self._restore_pending()

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._restore_pending()
