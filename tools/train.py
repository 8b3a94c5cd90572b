"""Train a model or a distillation algorithm from a reducekd config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT] |
        --auto-resume] [--amp [fp16|bf16]] [--auto-scale-lr]
        [--cfg-options k=v ...]
        [--launcher L]

Launch several processes with ``tools/dist_train.sh``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import reducekd  # noqa: E402,F401  (repairs the stack before mmengine runs)
from mmengine.runner import Runner  # noqa: E402

from reducekd.cli import run_tool  # noqa: E402
from reducekd.dist import finish_distributed  # noqa: E402
from reducekd.precision import (AMP_DTYPES,  # noqa: E402
                                check_mixed_precision_device,
                                use_mixed_precision)
from reducekd.resume import (explicit_checkpoint,  # noqa: E402
                             latest_checkpoint)
from reducekd.runner import (add_runner_arguments,  # noqa: E402
                             parse_runner_arguments, prepare_config)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='training config file')
    add_runner_arguments(parser)
    resume = parser.add_mutually_exclusive_group()
    resume.add_argument(
        '--resume', nargs='?', const=True, metavar='CKPT',
        help='resume from the checkpoint file CKPT, or without CKPT from the '
        'latest complete checkpoint of the work dir (an error when it has '
        'none)')
    resume.add_argument(
        '--auto-resume', action='store_true',
        help='resume from the latest complete checkpoint of the work dir if '
        'it has one, else start a fresh run (and say so)')
    parser.add_argument(
        '--amp', nargs='?', const='fp16', choices=sorted(AMP_DTYPES),
        help='mixed precision on a CUDA GPU: fp16 with dynamic loss scaling '
        '(--amp) or bf16 (--amp bf16); losses stay fp32')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the total batch '
                        'size against auto_scale_lr.base_batch_size')
    return parse_runner_arguments(parser, argv)


def _choose_resume_checkpoint(cfg, args):
    """Set ``resume`` and ``load_from`` for ``--resume [CKPT]``,
    ``--auto-resume`` or ``resume = True`` in the config."""
    if args.auto_resume:
        latest = latest_checkpoint(cfg.work_dir, fresh_if_none=True)
        cfg.resume = latest is not None
        if latest:
            cfg.load_from = latest
        return
    if args.resume:
        requested = None if args.resume is True else args.resume
    elif cfg.get('resume'):
        requested = cfg.get('load_from')
    else:
        return
    cfg.resume = True
    cfg.load_from = explicit_checkpoint(requested) if requested else \
        latest_checkpoint(cfg.work_dir)


def apply_training_options(cfg, args):
    """``--resume``, ``--auto-resume``, ``--amp`` and ``--auto-scale-lr``
    on the config.

    The checkpoint to resume from is chosen here, before anything is built
    (:mod:`reducekd.resume`), also for ``resume = True`` in the config, and
    given to mmengine as ``load_from``.

    Raises:
        ResumeError: There is no (complete) checkpoint to resume from.
    """
    if cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    _choose_resume_checkpoint(cfg, args)
    if args.amp:
        use_mixed_precision(cfg, args.amp)
    check_mixed_precision_device(cfg)
    if args.auto_scale_lr:
        if 'base_batch_size' not in cfg.get('auto_scale_lr', {}):
            raise ValueError('--auto-scale-lr needs auto_scale_lr = dict('
                             'base_batch_size=N) in the config.')
        cfg.auto_scale_lr.enable = True
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = prepare_config(args.config, args.launcher, args.work_dir,
                         args.cfg_options)
    cfg = apply_training_options(cfg, args)
    Runner.from_cfg(cfg).train()
    finish_distributed()


if __name__ == '__main__':
    run_tool(main)
