"""Fuse a trained student's linear (LoRA) branches into its main convs.

    python tools/model_converters/reparameterize.py CONFIG CHECKPOINT OUT

CONFIG is the config that trained CHECKPOINT: a distillation config (its
student, ``model.architecture``, is fused) or a plain one. The written
checkpoint holds the student alone, with exactly the parameters of the plain
student (e.g. ``configs/reducenet/reduce20-w1-student_1xb64_digits.py``),
which loads it strictly for ``tools/test.py`` / ``dist_test.sh``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

import reducekd  # noqa: E402,F401
from reducekd.checkpoint import save_atomically  # noqa: E402
from reducekd.cli import run_tool  # noqa: E402
from reducekd.config_check import load_config  # noqa: E402
from reducekd.deployment.student import (fused_student,  # noqa: E402
                                         trained_student)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config that trained the checkpoint')
    parser.add_argument('checkpoint')
    parser.add_argument('out', help='where to write the fused student')
    args = parser.parse_args(argv)
    model = trained_student(load_config(args.config), args.checkpoint)
    fused, difference = fused_student(model)
    save_atomically(
        dict(state_dict=fused.state_dict(),
             meta=dict(reparameterized_from=args.checkpoint)), args.out)
    print(f'fused student written to {args.out}; largest relative logit '
          f'difference to the unfused student: {difference:.2e}')


if __name__ == '__main__':
    run_tool(main)
