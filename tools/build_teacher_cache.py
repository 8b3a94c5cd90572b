"""Build the teacher-output table of a logit distillation config.

    python tools/build_teacher_cache.py CONFIG [--dtype fp32|fp16]
        [--batch-size N] [--out-json FILE] [--cfg-options k=v ...]
        [--launcher L]

Runs the config's frozen teacher on every view of every training sample
(the views of its training pipeline: RandomCrop offsets, flips) and writes
the logits under work_dirs/teacher_cache/ (keyed by the teacher checkpoint's
content, the teacher, the dataset, the pipeline and the preprocessor). An
interrupted build resumes where it stopped, a finished one is kept; with
torchrun (--launcher pytorch) or srun (--launcher slurm) several processes
share the work. Then train with ``--cfg-options model.teacher_cache=auto``.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import reducekd  # noqa: E402,F401  (repairs the stack before mmengine runs)
from mmengine.dist import get_dist_info, init_dist, is_distributed  # noqa

from reducekd.cli import run_tool  # noqa: E402
from reducekd.dist import finish_distributed  # noqa: E402
from reducekd.runner import (add_runner_arguments,  # noqa: E402
                             parse_runner_arguments, prepare_config)
from reducekd.teacher_cache.build import build_table  # noqa: E402
from reducekd.teacher_cache.table import DTYPES, read_meta  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a logit distillation config')
    add_runner_arguments(parser)
    parser.add_argument('--dtype', choices=sorted(DTYPES), default='fp32',
                        help='storage: fp32 (exact, default) or fp16 (half '
                        'the size, relative error <= 2^-11)')
    parser.add_argument('--batch-size', type=int, default=256,
                        help='images per teacher forward (default 256)')
    parser.add_argument('--out-json', metavar='FILE',
                        help="also write the table's folder and its "
                        'meta.json (build time included) to FILE')
    return parse_runner_arguments(parser, argv)


def main(argv=None):
    args = parse_args(argv)
    options = dict(args.cfg_options or {}, **{'model.teacher_cache': None})
    cfg = prepare_config(args.config, args.launcher, cfg_options=options)
    if args.launcher != 'none' and not is_distributed():
        init_dist(args.launcher)
    directory = build_table(cfg, dtype=args.dtype,
                            batch_size=args.batch_size)
    if get_dist_info()[0] == 0:
        meta = read_meta(directory)
        samples, views, classes = meta['shape']
        print(f'teacher cache: {directory} ({samples} samples x {views} '
              f'views x {classes} classes, {args.dtype}, built in '
              f'{meta["build_seconds"]:.1f} s).\nTrain with it: '
              f'--cfg-options model.teacher_cache=auto (or ={directory})')
        if args.out_json:
            with open(args.out_json, 'w') as file:
                json.dump(dict(meta, directory=directory), file, indent=1)
    finish_distributed()


if __name__ == '__main__':
    run_tool(main)
