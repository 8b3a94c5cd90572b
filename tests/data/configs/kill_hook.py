"""A hook that kills its own process with SIGKILL, for the resume test."""
import os
import signal

from mmengine.hooks import Hook

from reducekd.registry import HOOKS


@HOOKS.register_module()
class SIGKILLAtIterHook(Hook):
    """Send SIGKILL to this process before training iteration ``at_iter``."""

    def __init__(self, at_iter):
        self.at_iter = at_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at_iter:
            os.kill(os.getpid(), signal.SIGKILL)
