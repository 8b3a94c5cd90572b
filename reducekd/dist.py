"""Start the process group for a launcher, on CPU as well as on GPU.

mmengine 0.10.7's ``init_dist`` always binds a CUDA device
(``torch.cuda.set_device``), so ``--launcher pytorch`` and ``--launcher slurm``
fail on a CPU-only machine, and its Runner passes ``device_ids=[LOCAL_RANK]``
to DDP, which CPU modules refuse. Where CUDA is present everything is left to
mmengine. On CPU, :func:`init_distributed` starts a gloo group itself (the
Runner then skips its own initialisation) and :func:`cpu_model_wrapper_cfg`
gives the Runner a DDP configuration without device ids.
"""
import os
import subprocess

import torch
import torch.distributed as torch_dist


def _slurm_environment():
    """RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT for one task of an srun job."""
    nodes = os.environ['SLURM_NODELIST']
    first_host = subprocess.check_output(
        ['scontrol', 'show', 'hostnames', nodes], text=True).split()[0]
    job_id = int(os.environ.get('SLURM_JOB_ID', '0'))
    return dict(
        RANK=os.environ['SLURM_PROCID'],
        WORLD_SIZE=os.environ['SLURM_NTASKS'],
        LOCAL_RANK=os.environ.get('SLURM_LOCALID', '0'),
        MASTER_ADDR=os.environ.get('MASTER_ADDR', first_host),
        # every task of the job derives the same port from the job id
        MASTER_PORT=os.environ.get('MASTER_PORT',
                                   str(20000 + job_id % 20000)))


def uses_cpu_process_group(launcher):
    """Whether reducekd, not mmengine, must start the process group."""
    return launcher in ('pytorch', 'slurm') and not torch.cuda.is_available()


def init_distributed(launcher, timeout_s=1800):
    """Start a gloo process group for ``launcher`` on a CPU-only machine.

    Args:
        launcher (str): ``none``, ``pytorch`` (torchrun), ``slurm`` or ``mpi``.
        timeout_s (int): Timeout of collective operations in seconds.

    Returns:
        bool: True if the group was started here; False if mmengine's Runner
        is left to do it (no launcher, a GPU machine, or MPI).
    """
    if not uses_cpu_process_group(launcher) or torch_dist.is_initialized():
        return False
    if launcher == 'slurm':
        os.environ.update(_slurm_environment())
    import datetime
    torch_dist.init_process_group(
        backend='gloo', init_method='env://',
        rank=int(os.environ['RANK']),
        world_size=int(os.environ['WORLD_SIZE']),
        timeout=datetime.timedelta(seconds=timeout_s))
    return True


def finish_distributed():
    """Leave the process group at the end of a successful run.

    Every process waits for the others, then the group is destroyed, so no
    process exits while gloo still has work in flight; a process that
    exits with the group alive can abort in gloo's teardown ("terminate
    called without an active exception") after its work is done.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()


def cpu_model_wrapper_cfg(cfg_wrapper=None):
    """DDP settings for CPU modules: no ``device_ids``.

    Args:
        cfg_wrapper (dict, optional): The config's ``model_wrapper_cfg``; its
            settings are kept.
    """
    wrapper = dict(type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper.update(cfg_wrapper or {})
    wrapper['device_ids'] = None
    return wrapper
