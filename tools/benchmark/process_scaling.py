"""Training throughput with 2 processes relative to 1.

Two processes are spawned (``torch.multiprocessing``, gloo, 1 thread each by
default), each with the reduce20 w1 student and its own batch of the same
size. Every repetition measures, interleaved (order alternating):

- one: rank 0 alone runs ``--steps`` plain ``train_step`` calls of its own
  copy while rank 1 waits at a barrier;
- two: both ranks run ``--steps`` ``train_step`` calls of mmengine's
  ``MMDistributedDataParallel`` (gradients all-reduced), as
  ``tools/dist_train.sh`` would.

Each phase is timed by rank 0 between two barriers. The figure is the
samples/s of "two" (both ranks' samples) divided by that of "one".

Example::

    OMP_NUM_THREADS=1 python tools/benchmark/process_scaling.py
"""
import argparse
import copy
import os
import socket
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.model import MMDistributedDataParallel

import _models
import _timing

WORLD_SIZE = 2


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    _timing.add_common_args(parser, 'process_scaling', reps=6, warmup=1,
                            threads=1)
    parser.add_argument('--steps', type=int, default=2,
                        help='training steps per phase (default %(default)s)')
    return parser.parse_args(argv)


def free_port():
    """A TCP port free on this machine now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def phase_timer(step, steps, active):
    """Time ``steps`` calls of ``step`` between two barriers; a rank that is
    not ``active`` only waits at them."""
    def run():
        dist.barrier()
        start = time.perf_counter()
        if active:
            for _ in range(steps):
                step()
        dist.barrier()
        return time.perf_counter() - start
    return run


def worker(rank, args, port, queue):
    """One process: build the models, run the phases, report from rank 0."""
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    _timing.set_threads(args.threads)
    dist.init_process_group('gloo', rank=rank, world_size=WORLD_SIZE)
    torch.manual_seed(0)
    model = _models.build_classifier(_models.STUDENT)
    alone = copy.deepcopy(model)
    ddp = MMDistributedDataParallel(module=model)
    data = _models.fake_batch(args.batch_size, seed=rank)
    alone_optim = _models.sgd_wrapper(alone)
    ddp_optim = _models.sgd_wrapper(model)
    kinds = dict(
        one=phase_timer(lambda: alone.train_step(data, alone_optim),
                        args.steps, active=rank == 0),
        two=phase_timer(lambda: ddp.train_step(data, ddp_optim),
                        args.steps, active=True))
    if rank == 0:
        times = _timing.run_interleaved(kinds, args.reps, args.warmup,
                                        label='process_scaling')
        queue.put(times)
    else:
        for rep in range(args.reps + args.warmup):
            for name in _timing.interleaved_order(kinds, rep):
                kinds[name]()
    dist.destroy_process_group()


def summarize(times, batch_size, steps):
    """Samples/s of each phase and their per-repetition ratio."""
    one = [batch_size * steps / t for t in times['one']]
    two = [WORLD_SIZE * batch_size * steps / t for t in times['two']]
    return dict(ratio=_timing.ratio_summary(two, one),
                one_samples_per_s=_timing.summarize(one),
                two_samples_per_s=_timing.summarize(two),
                seconds={name: _timing.summarize(t)
                         for name, t in times.items()},
                times=times)


def main(argv=None):
    args = parse_args(argv)
    os.environ['OMP_NUM_THREADS'] = str(args.threads)
    context = mp.get_context('spawn')
    queue = context.SimpleQueue()
    mp.spawn(worker, args=(args, free_port(), queue), nprocs=WORLD_SIZE,
             join=True)
    results = summarize(queue.get(), args.batch_size, args.steps)
    _timing.set_threads(args.threads)  # so the record states them
    _timing.write_record(args.out, 'process_scaling', args, results)
    ratio = results['ratio']
    print(f'{WORLD_SIZE} processes / 1 process training throughput: '
          f'{ratio["median"]:.2f} (min {ratio["min"]:.2f}, '
          f'max {ratio["max"]:.2f})', flush=True)


if __name__ == '__main__':
    main()
