"""What a finished training run left in its mmengine work dir.

A run's work dir holds the config the Runner dumped (``<config>.py``), one
``<timestamp>/`` folder per launch (a resumed run has several) with the log
``<timestamp>.log`` and ``vis_data/scalars.json`` (one JSON object per
line: training losses at each logging step, ``accuracy/top1`` after each
validation), and, when ``tools/test.py --metrics-json`` was pointed there,
``metrics.json``.
"""
import glob
import json
import os
import os.path as osp
import re
from datetime import datetime

from mmengine.config import Config

TOP1 = 'accuracy/top1'
_LOG_TIME = re.compile(r'^(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) - mmengine')


def _has_training_records(scalars_path):
    """Training logs ``lr``; a test run's scalars hold only metrics."""
    with open(scalars_path) as file:
        return any('"lr"' in line for line in file)


def _first_epoch(scalars_path):
    with open(scalars_path) as file:
        for line in file:
            record = json.loads(line)
            if 'lr' in record and 'epoch' in record:
                return record['epoch']
    return None


def _launch_dirs(work_dir):
    """The ``<timestamp>`` folders of the run's current training, oldest
    first: the last launch that started at epoch 1 and the resumed launches
    after it. A launch from scratch in a used work dir replaced what came
    before it (its checkpoints overwrote the earlier ones)."""
    found = [path for path in sorted(glob.glob(
        osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
        if _has_training_records(path)]
    fresh = [i for i, path in enumerate(found) if _first_epoch(path) == 1]
    start = fresh[-1] if fresh else 0
    return [osp.dirname(osp.dirname(path)) for path in found[start:]]


def _dumped_config(work_dir):
    configs = sorted(glob.glob(osp.join(work_dir, '*.py')))
    return configs[0] if len(configs) == 1 else None


def is_run_dir(path):
    """A work dir of a training run: one dumped config and scalars."""
    return _dumped_config(path) is not None and bool(_launch_dirs(path))


def find_run_dirs(paths):
    """Every training work dir at or below ``paths``: in the order of
    ``paths``, sorted below each.

    Raises:
        FileNotFoundError: A path holds no training run, named with what a
            run dir needs.
    """
    found = []
    for root in paths:
        if not osp.isdir(root):
            raise FileNotFoundError(f'{root}: no such directory.')
        here = [dirpath for dirpath, _, _ in os.walk(root)
                if is_run_dir(dirpath)]
        if not here:
            raise FileNotFoundError(
                f'{root}: no training run found in it (a run dir holds the '
                'config mmengine dumped, <name>.py, and '
                '<timestamp>/vis_data/scalars.json).')
        found += [path for path in sorted(here) if path not in found]
    return found


def read_scalars(work_dir):
    """All scalar records of the run's launches, in order."""
    records = []
    for launch in _launch_dirs(work_dir):
        with open(osp.join(launch, 'vis_data', 'scalars.json')) as file:
            records += [json.loads(line) for line in file if line.strip()]
    return records


def split_records(records):
    """``(train, val)``: training-step records and validation records
    (those with ``accuracy/top1``; their ``step`` is the epoch)."""
    val = [r for r in records if TOP1 in r]
    train = [r for r in records if TOP1 not in r and 'epoch' in r]
    return train, val


def wall_seconds(work_dir):
    """Seconds from the first to the last log line, summed over launches."""
    total = 0.0
    for launch in _launch_dirs(work_dir):
        stamps = []
        for log in glob.glob(osp.join(launch, '*.log')):
            with open(log) as file:
                stamps += [m.group(1) for m in map(_LOG_TIME.match, file)
                           if m]
        if stamps:
            times = [datetime.strptime(s, '%Y/%m/%d %H:%M:%S')
                     for s in stamps]
            total += (max(times) - min(times)).total_seconds()
    return total


def test_top1(work_dir):
    """``accuracy/top1`` of ``metrics.json`` in the work dir, or None."""
    path = osp.join(work_dir, 'metrics.json')
    if not osp.isfile(path):
        return None
    with open(path) as file:
        return json.load(file).get(TOP1)


def read_run(work_dir):
    """The facts of one run.

    Returns:
        dict: ``work_dir``, ``config`` (its dumped :class:`Config`),
        ``name`` (config file name), ``seed``, ``epochs`` (last trained
        epoch), ``max_epochs``, ``finished``, ``best_top1``, ``last_top1``
        (validation, None without any), ``test_top1`` (``metrics.json``, or
        None), ``wall_s``.
    """
    config_path = _dumped_config(work_dir)
    cfg = Config.fromfile(config_path)
    train, val = split_records(read_scalars(work_dir))
    epochs = max((r['epoch'] for r in train), default=0)
    max_epochs = cfg.get('train_cfg', {}).get('max_epochs')
    return dict(
        work_dir=work_dir, config=cfg,
        name=osp.splitext(osp.basename(config_path))[0],
        seed=cfg.get('randomness', {}).get('seed'),
        epochs=epochs, max_epochs=max_epochs,
        finished=max_epochs is not None and epochs >= max_epochs,
        best_top1=max((r[TOP1] for r in val), default=None),
        last_top1=val[-1][TOP1] if val else None,
        test_top1=test_top1(work_dir),
        wall_s=wall_seconds(work_dir))
