"""Learn a compact student of a trained teacher under a FLOPs/params budget.

    python tools/structure_search.py CONFIG --budget flops=0.5
        [--teacher-ckpt CKPT] [--work-dir DIR] [--blockwise-iters N]
        [--seed S]

Structure learning by knowledge distillation (Ahmed et al.,
https://arxiv.org/abs/2104.09191). CONFIG is a search config (e.g.
``configs/structure_learning/search_resnet20_digits.py``). The budget is
``flops=...`` (multiply-adds, as mmengine counts them) or ``params=...``: a
number up to 1 is a fraction of the teacher's cost, a larger one or one with
a K/M/G suffix is absolute; it must lie below the teacher's cost (a larger
one would return the teacher itself and is refused, with the valid range).
A wrong budget, search setting, candidate or teacher checkpoint stops the
tool before any training with a message (exit status 2). The work dir
receives ``student_kd.py`` (train it with ``sh tools/dist_train.sh local
demo WORK/student_kd.py WORK/finetune``), ``student_alone.py``,
``uniform_alone.py`` / ``uniform_kd.py`` (the uniformly thinned baseline of
the same cost), ``student_init.pth`` and ``choice.md``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import reducekd  # noqa: E402,F401  (repairs the stack before mmengine runs)
import reducekd.models  # noqa: E402,F401  (registers the models)
from reducekd.cli import run_tool  # noqa: E402
from reducekd.models.structure_learning.search import \
    run_search  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='search config')
    parser.add_argument('--budget', required=True,
                        help='flops=0.5 | params=0.3 | flops=20M | ...')
    parser.add_argument('--teacher-ckpt', help='overrides search.teacher_ckpt')
    parser.add_argument('--work-dir', help='default: work_dirs/'
                        'structure_learning/<config>_<budget>')
    parser.add_argument('--blockwise-iters', type=int,
                        help='overrides search.iters')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    work_dir = args.work_dir or osp.join(
        'work_dirs', 'structure_learning',
        osp.splitext(osp.basename(args.config))[0] + '_' +
        args.budget.replace('=', ''))
    run_search(args.config, args.budget, work_dir,
               teacher_ckpt=args.teacher_ckpt, iters=args.blockwise_iters,
               seed=args.seed, log=lambda line: print(line, flush=True))
    print(f'written to {work_dir}; fine-tune with:\n  sh tools/dist_train.sh '
          f'local demo {work_dir}/student_kd.py {work_dir}/finetune')


if __name__ == '__main__':
    run_tool(main)
