"""Parameters and MAdds of a config's model(s), measured on one input.

    python tools/analysis/get_flops.py CONFIG [--shape 32 32]

For a distillation config the teacher and the student are shown side by side.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

import reducekd  # noqa: E402,F401
from mmengine.config import DictAction  # noqa: E402

from reducekd.cli import run_tool  # noqa: E402
from reducekd.complexity import (build_in_scope, human, measure,  # noqa
                                 models_of_config)
from reducekd.config_check import load_config  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--shape', type=int, nargs=2, default=[32, 32],
                        metavar=('H', 'W'), help='input size (default 32 32)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    cfg = load_config(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    rows = []
    for role, model_cfg in models_of_config(cfg):
        model_cfg = model_cfg.copy()
        model_cfg.pop('init_cfg', None)
        figures = measure(build_in_scope(model_cfg, cfg.get(
            'default_scope', 'reducekd')), (3, *args.shape))
        rows.append((role, figures['params'], figures['madds']))
    print(f'input 3x{args.shape[0]}x{args.shape[1]}')
    print(f'| {"model":8s} | {"params":>20s} | {"MAdds":>22s} |')
    print(f'|{"-" * 10}|{"-" * 22}|{"-" * 24}|')
    for role, params, madds in rows:
        print(f'| {role:8s} | {params:>11,d} ({human(params):>6s}) '
              f'| {madds:>12,d} ({human(madds):>7s}) |')


if __name__ == '__main__':
    run_tool(main)
