"""Hooks that kill their own process with SIGKILL, for the resume tests."""
import os
import signal
import threading
import time

import torch
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


def _kill_once_a_new_file_is_partly_written(folder, old_names, full_size):
    """Poll ``folder``; SIGKILL this process as soon as a file that is not in
    ``old_names`` holds some bytes but fewer than ``full_size``."""
    while True:
        for entry in os.scandir(folder):
            if entry.name in old_names or not entry.is_file():
                continue
            try:
                size = entry.stat().st_size
            except FileNotFoundError:  # renamed away meanwhile
                continue
            if 0 < size < full_size:
                os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.001)


@HOOKS.register_module()
class SIGKILLDuringSaveHook(Hook):
    """Send SIGKILL to this process while it writes the checkpoint of epoch
    ``at_epoch``, once part of its bytes are on disk.

    The checkpoint gets ``padding_mb`` MiB of zeros, so that writing it takes
    long enough for a watcher thread to see a new file in the work dir grow
    and kill the process in the middle of the write, wherever in the save
    path that write happens.
    """

    priority = 'VERY_LOW'

    def __init__(self, at_epoch, padding_mb=128):
        self.at_epoch = at_epoch
        self.padding_bytes = padding_mb * 2**20

    def before_save_checkpoint(self, runner, checkpoint):
        if runner.epoch + 1 != self.at_epoch:
            return
        checkpoint['padding'] = torch.zeros(self.padding_bytes,
                                            dtype=torch.uint8)
        old_names = set(os.listdir(runner.work_dir))
        threading.Thread(
            target=_kill_once_a_new_file_is_partly_written,
            args=(runner.work_dir, old_names, self.padding_bytes),
            daemon=True).start()
