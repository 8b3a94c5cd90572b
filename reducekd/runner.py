"""Build mmengine's Runner from a reducekd config: the code train/test tools share.

Everything the tools do to a config before mmengine sees it is here, so
``tools/train.py`` and ``tools/test.py`` stay thin:

* a misspelled top-level key (``default_hook``, ``randomnes``) is an error
  naming the key it resembles; mmengine ignores such keys silently;
* ``persistent_workers=True`` with ``num_workers=0`` is switched off
  (PyTorch refuses that combination, and mmpretrain's tools force it on);
* on a CPU-only machine with a launcher, :mod:`reducekd.dist` starts the gloo
  group and DDP gets no device ids;
* :class:`~reducekd.engine.hooks.RNGStateHook` is added so ``--resume``
  continues a run exactly, and
  :class:`~reducekd.engine.hooks.ResumeScheduleCheckHook` so a resume whose
  config changed the learning-rate schedule fails instead of keeping the
  checkpoint's schedule silently.
"""
import difflib
import os

from mmengine.config import Config, ConfigDict, DictAction

from reducekd.dist import (cpu_model_wrapper_cfg, init_distributed,
                           uses_cpu_process_group)
from reducekd.errors import ConfigError

#: Top-level keys mmengine's Runner reads.
RUNNER_KEYS = (
    'model', 'work_dir', 'train_dataloader', 'val_dataloader',
    'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr',
    'optim_wrapper', 'param_scheduler', 'val_evaluator', 'test_evaluator',
    'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from',
    'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level',
    'visualizer', 'default_scope', 'randomness', 'experiment_name',
    'model_wrapper_cfg', 'find_unused_parameters', 'sync_bn')


class ConfigKeyError(ConfigError, KeyError):
    """A config has a top-level key that looks like a misspelt Runner key."""


def check_top_level_keys(cfg):
    """Refuse keys one or two letters away from a key the Runner reads.

    Other unknown keys are allowed: configs keep helper variables
    (``train_pipeline``, ``teacher_ckpt``) at the top level.

    Raises:
        ConfigKeyError: Naming the key and the Runner key it resembles.
    """
    for key in cfg.keys():
        if key in RUNNER_KEYS or key.startswith('_'):
            continue
        close = difflib.get_close_matches(key, RUNNER_KEYS, n=1, cutoff=0.85)
        if close:
            raise ConfigKeyError(
                f'config key {key!r} is not read by the Runner; did you mean '
                f'{close[0]!r}? mmengine would ignore it silently.')


def _disable_persistent_workers_without_workers(cfg):
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(name)
        if loader and loader.get('num_workers', 0) == 0:
            loader['persistent_workers'] = False


# Hooks every run gets (unless its config lists them already).
ALWAYS_ON_HOOKS = ('RNGStateHook', 'ResumeScheduleCheckHook')


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
        cfg_options (dict, optional): ``--cfg-options`` to merge.

    Returns:
        Config: The prepared config; for a CPU launcher the gloo process group
        is already started.
    """
    if not isinstance(cfg, Config):
        cfg = Config.fromfile(cfg)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    check_top_level_keys(cfg)
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
