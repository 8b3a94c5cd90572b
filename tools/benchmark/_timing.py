"""Timing helpers shared by the benchmarks in ``tools/benchmark/``.

Every benchmark compares several *kinds* of work (e.g. a student step and a
distillation step) measured side by side in one process: each repetition
runs every kind once, in an order that alternates between repetitions, the
first ``warmup`` repetitions are dropped, and the median of the rest is
reported. This module holds that loop, the statistics, the description of
the machine and the JSON record.
"""
import argparse
import json
import os
import os.path as osp
import platform
import statistics
import subprocess
import sys
import time
from typing import Callable, Dict, List, Sequence

import torch

DEFAULT_DIR = 'work_dirs/benchmarks'


def add_common_args(parser: argparse.ArgumentParser, name: str, reps: int,
                    warmup: int, batch_size: int = 128,
                    threads: int = 2) -> None:
    """Add ``--reps --warmup --batch-size --threads --out`` to ``parser``.

    Args:
        parser (ArgumentParser): The script's parser.
        name (str): Benchmark name; the default record is
            ``work_dirs/benchmarks/<name>.json``.
        reps (int): Default number of measured repetitions.
        warmup (int): Default number of dropped repetitions.
        batch_size (int): Default batch size.
        threads (int): Default number of torch threads.
    """
    parser.add_argument('--reps', type=int, default=reps,
                        help='measured repetitions (default %(default)s)')
    parser.add_argument('--warmup', type=int, default=warmup,
                        help='repetitions dropped first (default %(default)s)')
    parser.add_argument('--batch-size', type=int, default=batch_size,
                        help='images per batch (default %(default)s)')
    parser.add_argument('--threads', type=int, default=threads,
                        help='torch threads (default %(default)s)')
    parser.add_argument('--out', default=osp.join(DEFAULT_DIR, f'{name}.json'),
                        help='JSON record (default %(default)s)')


def set_threads(threads: int) -> None:
    """Use ``threads`` intra-op threads and a single inter-op thread."""
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set once in this process
        pass


def interleaved_order(kinds: Sequence[str], rep: int) -> List[str]:
    """The order in which repetition ``rep`` runs ``kinds``.

    Even repetitions run them as given, odd ones in reverse, so no kind
    always follows the same other kind (caches, allocator, turbo state).
    """
    kinds = list(kinds)
    return kinds if rep % 2 == 0 else kinds[::-1]


def median(values: Sequence[float]) -> float:
    """The median of ``values`` (the mean of the middle two when even)."""
    return statistics.median(values)


def summarize(values: Sequence[float]) -> Dict[str, float]:
    """``median``, ``min``, ``max`` and ``n`` of a list of timings."""
    return dict(median=median(values), min=min(values), max=max(values),
                n=len(values))


def ratio_summary(numerators: Sequence[float],
                  denominators: Sequence[float]) -> Dict[str, float]:
    """Summary of the per-repetition ratios ``numerators[i] /
    denominators[i]`` (paired: both measured in the same repetition)."""
    return summarize([a / b for a, b in zip(numerators, denominators)])


def run_interleaved(kinds: Dict[str, Callable[[], float]], reps: int,
                    warmup: int, label: str = '') -> Dict[str, List[float]]:
    """Run every kind once per repetition, interleaved; drop the warm-up.

    Args:
        kinds (dict): Name -> callable that does one unit of work and
            returns its duration in seconds (so a callable can exclude its
            own set-up, or time several steps).
        reps (int): Measured repetitions.
        warmup (int): Repetitions run first and dropped.
        label (str): Prefix of the progress lines on stderr.

    Returns:
        dict: Name -> list of ``reps`` durations, in repetition order.
    """
    times = {name: [] for name in kinds}
    total = reps + warmup
    start = time.perf_counter()
    for rep in range(total):
        for name in interleaved_order(kinds, rep):
            seconds = kinds[name]()
            if rep >= warmup:
                times[name].append(seconds)
        progress(label, rep + 1, total, time.perf_counter() - start)
    return times


def timed(fn: Callable[[], object]) -> Callable[[], float]:
    """Wrap ``fn`` into a callable returning its wall-clock duration."""
    def run():
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    return run


def progress(label: str, done: int, total: int, elapsed: float) -> None:
    """Print ``label rep done/total, elapsed, ETA`` on stderr."""
    eta = elapsed / done * (total - done)
    print(f'{label} rep {done}/{total}  elapsed {elapsed:.0f}s  '
          f'ETA {eta:.0f}s', file=sys.stderr, flush=True)


def _cpu_model() -> str:
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def _uptime() -> str:
    try:
        return subprocess.run(['uptime'], capture_output=True, text=True,
                              check=False).stdout.strip()
    except OSError:
        return ''


def machine_info() -> Dict[str, object]:
    """Where the benchmark ran: CPUs, torch, threads, load."""
    return dict(
        nproc=os.cpu_count(),
        cpu_model=_cpu_model(),
        torch=torch.__version__,
        python=platform.python_version(),
        threads=torch.get_num_threads(),
        omp_num_threads=os.environ.get('OMP_NUM_THREADS'),
        device='cpu',
        loadavg=list(os.getloadavg()),
        uptime=_uptime(),
        hostname=platform.node())


def write_record(path: str, benchmark: str, args: argparse.Namespace,
                 results: Dict[str, object]) -> Dict[str, object]:
    """Write the JSON record of one run and return it.

    The record holds the benchmark name, the command line, the arguments,
    the machine (taken now, after the run, so ``uptime`` shows the load
    during it) and ``results``.
    """
    record = dict(benchmark=benchmark,
                  time=time.strftime('%Y-%m-%dT%H:%M:%S%z'),
                  command=' '.join([sys.executable] + sys.argv),
                  args=vars(args), machine=machine_info(), results=results)
    directory = osp.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, 'w') as f:
        json.dump(record, f, indent=2)
    return record
