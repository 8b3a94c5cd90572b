"""Check a config before the Runner sees it: keys the Runner would ignore,
the MMCV 0.x format, and keyword arguments no constructor takes.

mmengine passes a config's dicts to constructors only when it builds them:
a misspelt argument (``model.backbone.depht``) ends in a ``TypeError`` from
deep inside the build, and one that lands in a ``**kwargs`` that is used
late (``default_hooks.checkpoint.max_keep_ckpt``) fails only when the first
checkpoint is saved, after a whole epoch. A misspelt top-level key, or a key
of the MMCV 0.x format (``optimizer``, ``lr_config``), is not even an error:
mmengine ignores it and trains with other settings than the user asked for.
:func:`check_config` finds all of these at once, before anything is built,
and names the config path, the class and the closest valid name.
"""
import ast
import difflib
import functools
import inspect
import os
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from reducekd import legacy_mmcls
from reducekd import registry as R
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

#: Top-level keys of MMCV 0.x configs (mmcls 0.x, mmrazor 0.x) that
#: mmengine ignores, and where their setting lives now.
LEGACY_KEYS = {
    'optimizer': 'optim_wrapper.optimizer (e.g. --cfg-options '
                 'optim_wrapper.optimizer.lr=0.01)',
    'optimizer_config': 'optim_wrapper (clip_grad=..., '
                        'accumulative_counts=..., type=\'AmpOptimWrapper\')',
    'lr_config': 'param_scheduler (e.g. dict(type=\'CosineAnnealingLR\', '
                 'T_max=...))',
    'momentum_config': 'param_scheduler (a momentum scheduler such as '
                       'CosineAnnealingMomentum)',
    'runner': 'train_cfg (dict(by_epoch=True, max_epochs=N) or '
              'dict(by_epoch=False, max_iters=N))',
    'total_epochs': 'train_cfg.max_epochs',
    'workflow': 'train_cfg.val_interval (validation runs from train_cfg)',
    'evaluation': 'val_evaluator and train_cfg.val_interval',
    'checkpoint_config': 'default_hooks.checkpoint',
    'log_config': 'default_hooks.logger (interval) and visualizer '
                  '(TensorBoard: configs/_base_/tensorboard.py)',
    'data': 'train_dataloader, val_dataloader and test_dataloader',
    'dist_params': 'env_cfg.dist_cfg',
    'resume_from': 'tools/train.py --resume CKPT',
    'fp16': 'tools/train.py --amp (or optim_wrapper.type=\'AmpOptimWrapper\')',
    'gpu_ids': 'the launcher (GPUS=N sh tools/dist_train.sh ...)',
}


class ConfigKeyError(ConfigError, KeyError):
    """A top-level key the Runner would ignore: misspelt or MMCV 0.x."""


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------
def _local_bases(path, tree):
    """The ``_base_`` files of a parsed config that live on disk."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                getattr(target, 'id', None) == '_base_'
                for target in node.targets):
            try:
                bases = ast.literal_eval(node.value)
            except ValueError:
                return []
            bases = [bases] if isinstance(bases, str) else list(bases)
            return [osp.normpath(osp.join(osp.dirname(path), base))
                    for base in bases
                    if '::' not in base]
    return []


def _missing_file_message(path, what='config file'):
    folder = osp.dirname(osp.abspath(path))
    message = f'{what} {path} does not exist'
    if osp.isdir(folder):
        close = difflib.get_close_matches(
            osp.basename(path), sorted(os.listdir(folder)), n=3)
        if close:
            message += f'; in {folder} there are: {", ".join(close)}'
    else:
        message += f' (no folder {folder})'
    return message + '.'


def _syntax_problem(path, seen=()):
    """The first syntax error of a config file or its local bases, as
    ``file, line N: message``, or None."""
    if not osp.isfile(path):
        return _missing_file_message(path, 'base config') if seen else None
    with open(path, encoding='utf-8') as file:
        source = file.read()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as error:
        line = (error.text or '').rstrip()
        return (f'{path}, line {error.lineno}: {error.msg}'
                + (f'\n    {line}' if line else ''))
    for base in _local_bases(path, tree):
        if base not in seen:
            problem = _syntax_problem(base, seen + (path, ))
            if problem:
                return problem
    return None


def installed_config(path):
    """The file of an installed package's config, ``package::PATH`` (as
    ``_base_`` files name them, e.g.
    ``mmrazor::distill/mmcls/kd/kd_logits_resnet34_resnet18_8xb32_in1k.py``).

    Raises:
        ConfigError: The package is not installed or has no such config.
    """
    try:
        return Config._get_cfg_path(path, '')[0]
    except ConfigError:
        raise
    except Exception as error:  # mmengine asserts, or fails to find it
        raise ConfigError(f'cannot find the config {path}: '
                          f'{type(error).__name__}: {error}') from error


def load_config(path):
    """``Config.fromfile`` with errors that name the file and line.

    Args:
        path (str): A config file, or an installed package's config as
            ``package::PATH`` (see :func:`installed_config`).

    Raises:
        ConfigError: The file (or one of its ``_base_`` files) does not
            exist, has a syntax error, or fails while it is read.
    """
    with legacy_mmcls.reading(path):
        if '::' in path:
            path = installed_config(path)
        if not osp.isfile(path):
            raise ConfigError(_missing_file_message(path))
        problem = _syntax_problem(path)
        if problem:
            raise ConfigError(f'cannot read the config: {problem}')
        try:
            return Config.fromfile(path)
        except ConfigError:
            raise
        except Exception as error:  # mmengine executes the file's code
            raise ConfigError(f'cannot read the config {path}: '
                              f'{type(error).__name__}: {error}') from error


def _is_helper_copy(cfg, key):
    """``optimizer = dict(...)`` used as a variable for ``optim_wrapper``."""
    return key == 'optimizer' and isinstance(cfg.get('optim_wrapper'), dict) \
        and cfg.optim_wrapper.get('optimizer') == cfg.optimizer


def check_top_level_keys(cfg):
    """Refuse MMCV 0.x keys and keys one or two letters away from a key the
    Runner reads.

    Other unknown keys are allowed: configs keep helper variables
    (``train_pipeline``, ``teacher_ckpt``) at the top level.

    Raises:
        ConfigKeyError: Naming the key and where its setting goes.
    """
    for key in cfg.keys():
        if key in RUNNER_KEYS or key.startswith('_'):
            continue
        if key in LEGACY_KEYS and not _is_helper_copy(cfg, key):
            raise ConfigKeyError(
                f'config key {key!r} belongs to the MMCV 0.x config format, '
                f'which mmengine ignores silently; set '
                f'{LEGACY_KEYS[key]} instead.')
        close = difflib.get_close_matches(key, RUNNER_KEYS, n=1, cutoff=0.85)
        if close:
            raise ConfigKeyError(
                f'config key {key!r} is not read by the Runner; did you mean '
                f'{close[0]!r}? mmengine would ignore it silently.')


# --------------------------------------------------------------------------
# Constructor keywords
# --------------------------------------------------------------------------
def _terminal(cls):
    """Classes whose ``**kwargs`` accept nothing more."""
    return cls in (object, torch.nn.Module)


@functools.lru_cache()
def _kwargs_sinks():
    """Where the ``**kwargs`` of some classes go, when not to a base class:
    ``CheckpointHook`` hands them to ``Runner.save_checkpoint`` at its first
    save."""
    from mmengine.hooks import CheckpointHook
    from mmengine.runner import Runner
    return {CheckpointHook: Runner.save_checkpoint}


def accepted_keywords(cls):
    """The keyword arguments ``cls(...)`` accepts, or None when unknown.

    A constructor with ``**kwargs`` usually passes them on to its base
    class, so the bases' ``__init__`` are read along the MRO until one has no
    ``**kwargs`` (or ``object`` / ``nn.Module``, which take none). Classes
    whose ``**kwargs`` go elsewhere are listed in :func:`_kwargs_sinks`.

    Args:
        cls (type | Callable): A class, or a function taking keywords.
    """
    names = set()
    chain = inspect.getmro(cls) if inspect.isclass(cls) else [cls]
    for klass in chain:
        init = klass.__dict__.get('__init__') if inspect.isclass(klass) \
            else klass
        if init is None:
            continue
        if _terminal(klass):
            return names
        try:
            parameters = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        names.update(p.name for p in parameters if p.kind in (
            p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != 'self')
        if not any(p.kind == p.VAR_KEYWORD for p in parameters):
            return names
        sink = _kwargs_sinks().get(klass)
        if sink is not None:
            return names | accepted_keywords(sink)
    return None


def _registered_names(registry):
    names = set()
    seen = [registry, getattr(registry, 'fallback', None)]
    for reg in seen:
        while reg is not None:
            names.update(reg.module_dict)
            reg = reg.parent
    return names


def _resolve(node, registries):
    """The class ``node`` builds, looked up as mmengine's builder does: in
    the registry of the node's ``_scope_``, else of the current default
    scope (mmrazor's zoo configs name mmrazor's ``Translator`` under
    ``_scope_='mmrazor'``, which reducekd's own registry also has)."""
    kind = node.get('type')
    if inspect.isclass(kind) or callable(kind):
        return kind
    for registry in registries:
        with registry.switch_scope_and_registry(
                node.get('_scope_')) as scoped:
            found = scoped.get(kind)
        if found is not None:
            return found
    return None


def _inner_scope(node):
    """The default scope for what ``node`` builds inside itself: its
    ``_scope_``, as mmengine's builder sets it."""
    scope = node.get('_scope_') if isinstance(node, dict) else None
    return DefaultScope.overwrite_default_scope(scope)


def _check_node(path, node, registries, problems, exempt=(),
                required=True):
    """Check one dict that will be built from ``registries``.

    Args:
        exempt (tuple[str]): Keys the builder consumes or fills itself.
        required (bool): Whether an unknown type is an error here (at the
            top of a build site) or is left to mmengine (nested dicts whose
            registry is not known for sure).
    """
    cls = _resolve(node, registries)
    kind = node.get('type')
    if cls is None:
        if required and isinstance(kind, str):
            close = difflib.get_close_matches(
                kind.split('.')[-1], _registered_names(registries[0]), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ''
            problems.append(f'{path}: type {kind!r} is not registered in '
                            f'the {registries[0].name} registry{hint}')
        return None
    accepted = accepted_keywords(cls)
    if accepted is None:
        return cls
    given = [key for key in node if key != 'type'
             and not key.startswith('_') and key not in exempt]
    for key in given:
        if key not in accepted:
            close = difflib.get_close_matches(key, sorted(accepted), n=1,
                                              cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ''
            problems.append(
                f'{path}: {getattr(cls, "__name__", cls)} has no argument '
                f'{key!r}{hint} (it takes: {", ".join(sorted(accepted))})')
    return cls


#: Keys of model dicts that layer builders read (``build_norm_layer`` ...),
#: not the model registry: their ``type`` is not a model class.
_LAYER_CFG_SUFFIX = '_cfg'


def _walk_model(path, node, problems, required=True):
    """Check a model dict and every dict with a ``type`` below it.

    A nested type must be registered when its key is an argument of the
    enclosing class (``backbone``, ``head``, ``distiller`` ...); below plain
    dicts (recorders, ``batch_augments``) the registry may be another one,
    and mmengine's builder reports an unknown name there itself.
    """
    cls = None
    if isinstance(node, dict):
        if 'type' in node:
            cls = _check_node(path, node, (R.MODELS, R.TASK_UTILS),
                              problems, required=required)
        arguments = (accepted_keywords(cls) or set()) if cls else set()
        with _inner_scope(node):
            for key, value in node.items():
                if key.endswith(_LAYER_CFG_SUFFIX) or key.startswith('_'):
                    continue
                _walk_model(f'{path}.{key}', value, problems,
                            required=key in arguments)
    elif isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            _walk_model(f'{path}[{index}]', value, problems, required=False)


def _walk_dataset(path, node, problems):
    if not isinstance(node, dict) or 'type' not in node:
        return
    _check_node(path, node, (R.DATASETS, ), problems)
    with _inner_scope(node):
        for index, transform in enumerate(node.get('pipeline') or []):
            if isinstance(transform, dict) and 'type' in transform:
                _check_node(f'{path}.pipeline[{index}]', transform,
                            (R.TRANSFORMS, ), problems)
        if isinstance(node.get('dataset'), dict):
            _walk_dataset(f'{path}.dataset', node['dataset'], problems)
        for index, inner in enumerate(node.get('datasets') or []):
            _walk_dataset(f'{path}.datasets[{index}]', inner, problems)


def _walk_dataloader(name, loader, problems):
    if not isinstance(loader, dict):
        return
    accepted = accepted_keywords(torch.utils.data.DataLoader) | {
        'num_batch_per_epoch', 'worker_init_fn', 'collate_fn'}
    for key in loader:
        if key not in accepted:
            close = difflib.get_close_matches(key, sorted(accepted), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ''
            problems.append(f'{name}: the data loader has no argument '
                            f'{key!r}{hint}')
    _walk_dataset(f'{name}.dataset', loader.get('dataset'), problems)
    for key in ('sampler', 'batch_sampler'):
        if isinstance(loader.get(key), dict) and 'type' in loader[key]:
            _check_node(f'{name}.{key}', loader[key], (R.DATA_SAMPLERS, ),
                        problems, exempt=('dataset', 'sampler'))


def _walk_optim_wrapper(path, wrapper, problems):
    if not isinstance(wrapper, dict):
        return
    if 'optimizer' not in wrapper and 'type' not in wrapper:
        # one wrapper per part of the model (OptimWrapperDict)
        for name, inner in wrapper.items():
            if name not in ('constructor', 'paramwise_cfg'):
                _walk_optim_wrapper(f'{path}.{name}', inner, problems)
        return
    node = dict(wrapper)
    node.setdefault('type', 'OptimWrapper')
    _check_node(path, node, (R.OPTIM_WRAPPERS, ), problems,
                exempt=('optimizer', 'constructor', 'paramwise_cfg'))
    if isinstance(wrapper.get('optimizer'), dict):
        _check_node(f'{path}.optimizer', wrapper['optimizer'],
                    (R.OPTIMIZERS, ), problems, exempt=('params', ))


def _walk_loop(name, loop, problems):
    from mmengine.runner import (EpochBasedTrainLoop, IterBasedTrainLoop,
                                 TestLoop, ValLoop)
    if not isinstance(loop, dict) or not loop:
        return
    exempt = ('runner', 'dataloader', 'evaluator')
    if 'type' in loop:
        _check_node(name, loop, (R.LOOPS, ), problems, exempt=exempt)
        return
    if name == 'train_cfg':
        cls = EpochBasedTrainLoop if loop.get('by_epoch', True) else \
            IterBasedTrainLoop
    else:
        cls = ValLoop if name == 'val_cfg' else TestLoop
    _check_node(name, dict(loop, type=cls), (), problems,
                exempt=exempt + ('by_epoch', ))


def _hook_keys_elsewhere(hook):
    """Keys of a hook dict that its constructor does not take but that are
    used: ``priority`` (``Runner.register_hook`` reads it) and, for an
    ``EMAHook``, the arguments of its averaged model (``ema_type``), which
    it receives as ``**kwargs``."""
    from mmengine.hooks import EMAHook
    keys = ('priority', )
    cls = _resolve(hook, (R.HOOKS, ))
    if inspect.isclass(cls) and issubclass(cls, EMAHook):
        ema = _resolve(dict(type=hook.get('ema_type',
                                          'ExponentialMovingAverage')),
                       (R.MODELS, ))
        keys += tuple(sorted(accepted_keywords(ema) or ())) if ema else ()
    return keys


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def constructor_problems(cfg):
    """Every keyword no constructor takes and every unknown type of a config.

    Returns:
        list[str]: One line per problem, each naming the config path.
    """
    problems = []
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'reducekd')):
        if isinstance(cfg.get('model'), dict):
            _walk_model('model', cfg.model, problems)
        for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            _walk_dataloader(name, cfg.get(name), problems)
        for name in ('train_cfg', 'val_cfg', 'test_cfg'):
            _walk_loop(name, cfg.get(name), problems)
        _walk_optim_wrapper('optim_wrapper', cfg.get('optim_wrapper'),
                            problems)
        schedulers = cfg.get('param_scheduler')
        labelled = [(f'param_scheduler.{k}', s) for k, group in
                    schedulers.items() for s in _as_list(group)] \
            if isinstance(schedulers, dict) and 'type' not in schedulers \
            else [('param_scheduler', s) for s in _as_list(schedulers)]
        for index, (path, scheduler) in enumerate(labelled):
            if isinstance(scheduler, dict):
                _check_node(f'{path}[{index}]', scheduler,
                            (R.PARAM_SCHEDULERS, ), problems,
                            exempt=('optimizer', 'convert_to_iter_based',
                                    'epoch_length'))
        hooks = [(f'default_hooks.{name}', hook) for name, hook in
                 (cfg.get('default_hooks') or {}).items()]
        hooks += [(f'custom_hooks[{i}]', hook) for i, hook in
                  enumerate(cfg.get('custom_hooks') or [])]
        for path, hook in hooks:
            if isinstance(hook, dict) and 'type' in hook:
                _check_node(path, hook, (R.HOOKS, ), problems,
                            exempt=_hook_keys_elsewhere(hook))
        for name in ('val_evaluator', 'test_evaluator'):
            for index, metric in enumerate(_as_list(cfg.get(name))):
                if isinstance(metric, dict) and 'type' in metric:
                    _check_node(f'{name}[{index}]', metric, (R.METRICS, ),
                                problems)
        visualizer = cfg.get('visualizer')
        if isinstance(visualizer, dict) and 'type' in visualizer:
            _check_node('visualizer', visualizer, (R.VISUALIZERS, ),
                        problems)
            for index, backend in enumerate(
                    visualizer.get('vis_backends') or []):
                _check_node(f'visualizer.vis_backends[{index}]', backend,
                            (R.VISBACKENDS, ), problems,
                            exempt=('save_dir', ))
    return problems


def check_config(cfg):
    """Refuse a config mmengine would misread or fail on late.

    Raises:
        ConfigKeyError: A misspelt or MMCV 0.x top-level key.
        ConfigError: Keyword arguments no constructor takes, or unknown
            types, each named with its config path and the closest match.
    """
    check_top_level_keys(cfg)
    problems = constructor_problems(cfg)
    if problems:
        where = f' ({cfg.filename})' if cfg.filename else ''
        raise ConfigError(
            f'the config{where} has settings no part of it takes; nothing '
            'was built:\n  ' + '\n  '.join(problems))
