"""Configs written for MMClassification 1.x (``mmcls``), read with mmpretrain.

mmcls was renamed mmpretrain, and mmengine cannot read a config that still
says ``mmcls``: ``_base_ = ['mmcls::...']`` ends in ``ModuleNotFoundError:
mmcls is not installed``. mmrazor 1.0.0's own configs (its whole
classification distillation zoo) and users' older configs say it in four
ways, each mapped here:

* ``mmcls::PATH`` as a ``_base_`` file or a ``cfg_path`` (mmrazor's way of
  naming a teacher or student by its config): ``mmpretrain::PATH``, or the
  file's new name where mmpretrain renamed it (:data:`CONFIG_RENAMES`);
* ``type='mmcls.NAME'``: ``type='NAME'`` with ``_scope_='mmpretrain'``, so
  that what the part builds inside itself (mmpretrain's ``ImageClassifier``
  builds a default ``ClsDataPreprocessor``) is looked up in mmpretrain too,
  as mmcls's classes used to pin;
* ``_scope_='mmcls'`` and ``default_scope='mmcls'``: ``'mmpretrain'``;
* in a config that says ``mmcls`` in any of these ways, names that mmpretrain
  renamed (:data:`TYPE_RENAMES`), wherever they are looked up in
  mmpretrain.

:mod:`reducekd.compat` routes mmengine's config loading through
:func:`map_base` and :func:`map_names`; :func:`reading` gathers what one load
mapped and logs it as one line. What cannot be mapped (a file or a class
that mmpretrain does not have) is a :class:`~reducekd.errors.ConfigError`
naming the key and the config file.
"""
import contextlib
import difflib
import importlib.util
import os
import os.path as osp

from mmengine.logging import print_log

from reducekd.errors import ConfigError

OLD, NEW = 'mmcls', 'mmpretrain'

#: mmcls config files (under ``configs/``) that mmpretrain renamed.
CONFIG_RENAMES = {
    # mmpretrain dropped "_pt" ("pretrain", i.e. trained from scratch)
    'deit/deit-base_pt-16xb64_in1k.py': 'deit/deit-base_16xb64_in1k.py',
}

#: Registered names that mmpretrain renamed.
TYPE_RENAMES = {
    'PackClsInputs': 'PackInputs',
    'ClsVisualizer': 'UniversalVisualizer',
}

#: What the loads in progress mapped, outermost first (see :func:`reading`).
_READINGS = []


@contextlib.contextmanager
def reading(filename):
    """Gather what the config loads inside this block map; log it as one
    line when the outermost block ends without error.

    Nested blocks (a config's ``_base_`` files, a load that resolves a
    package path first) add to the outermost one.

    Args:
        filename (str): The config being read, named in the log line.
    """
    outermost = not _READINGS
    if outermost:
        _READINGS.append([])
    try:
        yield
        mapped = _READINGS[0]
        if outermost and mapped:
            print_log(f'{filename} is written for mmcls; read with '
                      f'mmpretrain: {"; ".join(mapped)}', logger='current')
    finally:
        if outermost:
            _READINGS.clear()


def _record(mapping):
    if _READINGS and mapping not in _READINGS[0]:
        _READINGS[0].append(mapping)


def _mapped_anything():
    return bool(_READINGS and _READINGS[0])


def mmpretrain_configs():
    """The folder of the config files mmpretrain installs."""
    spec = importlib.util.find_spec(NEW)
    return osp.join(spec.submodule_search_locations[0], '.mim', 'configs')


def _no_counterpart(old_path, key, filename, new_path):
    folder = osp.join(mmpretrain_configs(), osp.dirname(new_path))
    close = difflib.get_close_matches(
        osp.basename(new_path),
        sorted(os.listdir(folder)) if osp.isdir(folder) else [], n=3)
    hint = f'; in its {osp.dirname(new_path) or "configs"} folder there ' \
        f'are: {", ".join(close)}' if close else ''
    return ConfigError(
        f'{filename}: {key} {old_path!r} names an mmcls config that '
        f'mmpretrain does not have (no configs/{new_path}{hint}). Point it '
        f'at an mmpretrain:: config or a file of your own.')


def map_base(path, key, filename):
    """``mmcls::PATH`` as the mmpretrain config it became.

    Args:
        path (str): ``mmcls::PATH``.
        key (str): Where the config names it (``_base_``, ``model.teacher
            .cfg_path``), for the error.
        filename (str): The config that names it, for the error.

    Returns:
        str: ``mmpretrain::NEW_PATH``.

    Raises:
        ConfigError: mmpretrain has no such file.
    """
    relative = path.partition('::')[2]
    new_path = CONFIG_RENAMES.get(relative, relative)
    if not osp.isfile(osp.join(mmpretrain_configs(), new_path)):
        raise _no_counterpart(path, key, filename, new_path)
    mapped = f'{NEW}::{new_path}'
    _record(f'{path} -> {mapped}')
    return mapped


def _registries():
    import mmpretrain.registry as registries
    from mmengine.registry import Registry
    return [value for value in vars(registries).values()
            if isinstance(value, Registry)]


def mmpretrain_has(name):
    """Whether any mmpretrain registry (or mmengine's, its parents) has
    ``name``."""
    return any(registry.get(name) is not None for registry in _registries())


def _map_type(node, key, filename):
    """``type='mmcls.NAME'`` to mmpretrain; returns the node's new scope."""
    name = node['type'].partition('.')[2]
    new = TYPE_RENAMES.get(name, name)
    if not mmpretrain_has(new):
        raise ConfigError(
            f'{filename}: {key}.type {node["type"]!r} names an mmcls class '
            f'that mmpretrain does not register (nor under a new name '
            'reducekd knows of). Name an mmpretrain class instead.')
    if '_scope_' in node:
        node['type'] = f'{NEW}.{new}'
    else:
        node['_scope_'], node['type'] = NEW, new
    _record(f"type {OLD}.{name} -> {node['type']} (_scope_ "
            f"{node['_scope_']!r})")
    return node['_scope_']


def _walk(node, key, scope, filename, renamable):
    """Map the mmcls names of ``node`` (at config path ``key``) in place.

    Args:
        scope (str): The scope ``node`` is built in.
        renamable (list): Collects the nodes whose type is an old name
            looked up in mmpretrain, for :data:`TYPE_RENAMES`.
    """
    if isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            _walk(value, f'{key}[{index}]', scope, filename, renamable)
        return
    if not isinstance(node, dict):
        return
    if node.get('_scope_') == OLD:
        node['_scope_'] = NEW
        _record(f"_scope_ {OLD!r} -> {NEW!r}")
    scope = node.get('_scope_', scope)
    kind = node.get('type')
    if isinstance(kind, str) and kind.startswith(f'{OLD}.'):
        scope = _map_type(node, key, filename)
    elif isinstance(kind, str) and kind.rpartition('.')[2] in TYPE_RENAMES:
        prefix = kind.rpartition('.')[0]
        if (prefix or scope) == NEW:
            renamable.append(node)
    cfg_path = node.get('cfg_path')
    if isinstance(cfg_path, str) and cfg_path.startswith(f'{OLD}::'):
        node['cfg_path'] = map_base(cfg_path, f'{key}.cfg_path', filename)
    for name, value in node.items():
        _walk(value, f'{key}.{name}' if key else name, scope, filename,
              renamable)


def map_names(cfg_dict, filename):
    """Map the mmcls types, scopes and ``cfg_path`` of a loaded config.

    Args:
        cfg_dict (dict): The config's content; changed in place.
        filename (str): The config's file, for errors.

    Raises:
        ConfigError: An ``mmcls.``-scoped type mmpretrain does not have, or
            a ``cfg_path`` naming an mmcls config it does not have.
    """
    if cfg_dict.get('default_scope') == OLD:
        cfg_dict['default_scope'] = NEW
        _record(f"default_scope {OLD!r} -> {NEW!r}")
    renamable = []
    _walk(cfg_dict, '', cfg_dict.get('default_scope'), filename, renamable)
    if not _mapped_anything():
        return
    for node in renamable:
        prefix, _, name = node['type'].rpartition('.')
        if not mmpretrain_has(name):
            node['type'] = '.'.join(filter(None, [prefix, TYPE_RENAMES[name]]))
            _record(f'type {name} -> {TYPE_RENAMES[name]}')
