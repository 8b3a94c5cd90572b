"""Build mmengine's Runner from a reducekd config: the code train/test tools share.

Everything the tools do to a config before mmengine sees it is here, so
``tools/train.py`` and ``tools/test.py`` stay thin:

* ``--cfg-options overlay=FILE`` merges an override file
  (:mod:`reducekd.overlay`), before the other ``--cfg-options``;
* :func:`reducekd.config_check.check_config` refuses what mmengine would
  ignore or fail on late: misspelt top-level keys (``randomnes``), MMCV 0.x
  keys (``optimizer``, ``lr_config``), keyword arguments no constructor
  takes (``model.backbone.depht``, ``default_hooks.checkpoint.max_keep_ckpt``);
* :func:`reducekd.weight_sources.check_weight_sources` refuses weights that
  are not on this machine (URLs of mmrazor's zoo), or drops them for
  ``random_weights=True``;
* ``model.teacher_cache`` is resolved to its table and checked against the
  config, and the training pipeline records each view
  (:func:`reducekd.teacher_cache.apply_teacher_cache`);
* ``persistent_workers=True`` with ``num_workers=0`` is switched off
  (PyTorch refuses that combination, and mmpretrain's tools force it on);
* on a CPU-only machine with a launcher, :mod:`reducekd.dist` starts the gloo
  group and DDP gets no device ids;
* :class:`~reducekd.engine.hooks.RNGStateHook` is added so ``--resume``
  continues a run exactly, and
  :class:`~reducekd.engine.hooks.ResumeScheduleCheckHook` so a resume whose
  config changed the learning-rate schedule fails instead of keeping the
  checkpoint's schedule silently, and
  :class:`~reducekd.engine.hooks.NonFiniteCheckHook` so a run stops at its
  first NaN loss instead of saving NaN checkpoints, and
  :class:`~reducekd.engine.hooks.DistillWiringCheckHook` so a connector that
  does not fit its recorded feature stops the run before the first step.
"""
import os

from mmengine.config import Config, ConfigDict, DictAction

from reducekd.config_check import check_config, load_config
from reducekd.dist import (cpu_model_wrapper_cfg, init_distributed,
                           uses_cpu_process_group)
from reducekd.overlay import OVERLAY, apply_overlay
from reducekd.teacher_cache import apply_teacher_cache
from reducekd.weight_sources import check_weight_sources


def _disable_persistent_workers_without_workers(cfg):
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(name)
        if loader and loader.get('num_workers', 0) == 0:
            loader['persistent_workers'] = False


# Hooks every run gets (unless its config lists them already).
ALWAYS_ON_HOOKS = ('RNGStateHook', 'ResumeScheduleCheckHook',
                   'NonFiniteCheckHook', 'DistillWiringCheckHook')


def _ensure_always_on_hooks(cfg):
    hooks = list(cfg.get('custom_hooks') or [])
    listed = {str(hook.get('type')).replace('reducekd.', '') for hook in hooks}
    hooks += [dict(type=f'reducekd.{name}') for name in ALWAYS_ON_HOOKS
              if name not in listed]
    cfg.custom_hooks = hooks


def prepare_config(cfg, launcher='none', work_dir=None, cfg_options=None):
    """Apply command-line choices and reducekd's repairs to a config.

    Args:
        cfg (Config | str): The config or its path.
        launcher (str): ``none``, ``pytorch``, ``slurm`` or ``mpi``.
        work_dir (str, optional): Overrides ``cfg.work_dir``.
        cfg_options (dict, optional): ``--cfg-options`` to merge; an
            ``overlay=FILE`` among them merges that file first
            (:mod:`reducekd.overlay`).

    Returns:
        Config: The prepared config; for a CPU launcher the gloo process group
        is already started.
    """
    if not isinstance(cfg, Config):
        cfg = load_config(cfg)
    cfg_options = dict(cfg_options or {})
    if OVERLAY in cfg_options:
        apply_overlay(cfg, cfg_options.pop(OVERLAY))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    check_config(cfg)
    check_weight_sources(cfg)
    apply_teacher_cache(cfg)
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    _disable_persistent_workers_without_workers(cfg)
    _ensure_always_on_hooks(cfg)
    if uses_cpu_process_group(launcher):
        init_distributed(launcher)
        cfg.model_wrapper_cfg = ConfigDict(
            cpu_model_wrapper_cfg(cfg.get('model_wrapper_cfg')))
    return cfg


def add_runner_arguments(parser):
    """The options train.py and test.py share: ``--work-dir``,
    ``--cfg-options``, ``--launcher`` and ``--local-rank``/``--local_rank``
    (torch >= 2.0 passes the dash form, older launchers the underscore)."""
    parser.add_argument('--work-dir', help='where logs and checkpoints go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)


def parse_runner_arguments(parser, argv=None):
    """Parse, and export ``LOCAL_RANK`` as mmengine expects it."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args
