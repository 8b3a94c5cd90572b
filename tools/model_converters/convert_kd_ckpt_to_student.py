"""Turn a distillation checkpoint into a checkpoint of the student alone.

    python tools/model_converters/convert_kd_ckpt_to_student.py KD_CKPT OUT

Keeps the ``architecture.*`` weights (the student) without the prefix; the
result loads strictly into the plain student config (``tools/test.py``).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

import reducekd  # noqa: E402,F401
from reducekd.checkpoint import (load_local_checkpoint,  # noqa: E402
                                 save_atomically, state_dict_of,
                                 student_state_dict)
from reducekd.cli import run_tool  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='distillation checkpoint')
    parser.add_argument('out', help='where to write the student checkpoint')
    args = parser.parse_args(argv)
    checkpoint = load_local_checkpoint(args.checkpoint, map_location='cpu')
    student = student_state_dict(state_dict_of(checkpoint))
    meta = dict(checkpoint.get('meta', {}), converted_from=args.checkpoint)
    save_atomically(dict(state_dict=student, meta=meta), args.out)
    print(f'{len(student)} student tensors written to {args.out}')


if __name__ == '__main__':
    run_tool(main)
