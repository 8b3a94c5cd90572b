"""Weights a config loads from elsewhere, checked before anything is built.

mmrazor's zoo configs name their teachers' weights by URL
(``teacher_ckpt='https://download.openmmlab.com/...'``), by
``pretrained=True`` on a ``cfg_path`` teacher (the URL in mmpretrain's
metafile) or on a ``TIMMBackbone`` (timm's hub), or by an ``init_cfg`` of
type ``Pretrained``. mmengine fetches each while the model is built; without
a network that fails deep inside the build. :func:`check_weight_sources`
finds them all first and refuses those that are neither a file on this
machine nor a download already in torch's hub cache, saying how to pass a
local file.

For a smoke run, ``random_weights = True`` (e.g. ``--cfg-options
random_weights=True``) drops each such source instead, with one warning
naming them: the parts they were for start from random weights, so the
run's numbers mean nothing.
"""
import logging
import os.path as osp
from urllib.parse import urlparse

import torch
from mmengine.logging import print_log

from reducekd.errors import ConfigError

#: The top-level key that drops unavailable weights instead of refusing them.
RANDOM_WEIGHTS = 'random_weights'


class WeightsError(ConfigError):
    """A config loads weights that are not on this machine."""


class WeightSource:
    """One place of a config that loads weights.

    Args:
        key (str): Its config path, e.g. ``model.teacher_ckpt``.
        location (str): The file, URL or hub the weights come from.
        fix (str): How to give a local file instead.
        drop (Callable): Removes the source from the config.
    """

    def __init__(self, key, location, fix, drop):
        self.key, self.location, self.fix, self.drop = key, location, fix, drop

    def available(self):
        """Whether the weights are on this machine: an existing file, or a
        URL whose file is in torch's hub cache (where mmengine would find
        it without downloading)."""
        if '://' not in self.location:
            return osp.isfile(self.location)
        name = osp.basename(urlparse(self.location).path)
        return bool(name) and osp.isfile(
            osp.join(torch.hub.get_dir(), 'checkpoints', name))

    def problem(self):
        return f'{self.key} loads {self.location}, not on this machine; ' \
            f'{self.fix}'


def _metafile_weights(cfg_path):
    """The weights URL mmengine's hub takes for ``pretrained=True`` on a
    ``cfg_path`` (from the package's metafile), or a description."""
    from mmengine.config.utils import (_get_cfg_metainfo,
                                       _get_package_and_cfg_path)
    from mmengine.utils import package_utils  # as repaired by compat (J)
    try:
        package, relative = _get_package_and_cfg_path(cfg_path)
        meta = _get_cfg_metainfo(package_utils.get_installed_path(package),
                                 relative)
        return meta['Weights']
    except Exception:  # no metafile entry: mmengine's hub would fail too
        return f"the weights {cfg_path}'s metafile names"


def _local_fix(key):
    return f'download it where there is a network and pass the file: ' \
        f'--cfg-options {key}=/path/to/file.pth'


def _sources(node, key, found):
    """Collect the :class:`WeightSource` of ``node`` (at ``key``) and below."""
    if isinstance(node, (list, tuple)):
        for index, value in enumerate(node):
            _sources(value, f'{key}[{index}]', found)
        return
    if not isinstance(node, dict):
        return
    for name in ('teacher_ckpt', 'ckpt_path'):
        if isinstance(node.get(name), str):
            found.append(WeightSource(
                f'{key}.{name}', node[name], _local_fix(f'{key}.{name}'),
                _dropper(node, name, to=None if name == 'teacher_ckpt'
                         else _REMOVE)))
    if node.get('pretrained') is True:
        if 'cfg_path' in node:
            location = _metafile_weights(node['cfg_path'])
            fix = (f'download it, set {key}.pretrained=False and pass the '
                   'file where the algorithm takes its teacher checkpoint '
                   '(model.teacher_ckpt, or ckpt_path beside build_cfg)')
        else:
            location = f"weights {node.get('type', 'it')} downloads itself"
            fix = (f'set {key}.pretrained=False and load a local file with '
                   f"init_cfg=dict(type='Pretrained', checkpoint=FILE)")
        found.append(WeightSource(f'{key}.pretrained', location, fix,
                                  _dropper(node, 'pretrained', to=False)))
    for init_key, init in _pretrained_inits(node.get('init_cfg')):
        found.append(WeightSource(
            f'{key}.{init_key}.checkpoint', init['checkpoint'],
            _local_fix(f'{key}.{init_key}.checkpoint'),
            _init_dropper(node, init)))
    for name, value in node.items():
        if name != 'init_cfg':
            _sources(value, f'{key}.{name}', found)


def _pretrained_inits(init_cfg):
    """``(key, init)`` of the ``Pretrained`` entries of an ``init_cfg``."""
    inits = [('init_cfg', init_cfg)] if isinstance(init_cfg, dict) else \
        [(f'init_cfg[{i}]', init) for i, init in enumerate(init_cfg or [])]
    return [(key, init) for key, init in inits if isinstance(init, dict)
            and init.get('type') == 'Pretrained'
            and isinstance(init.get('checkpoint'), str)]


_REMOVE = object()


def _dropper(node, name, to):
    def drop():
        if to is _REMOVE:
            node.pop(name)
        else:
            node[name] = to
    return drop


def _init_dropper(node, init):
    def drop():
        if node['init_cfg'] is init:
            node.pop('init_cfg')
        else:
            node['init_cfg'] = [other for other in node['init_cfg']
                                if other is not init]
    return drop


def weight_sources(cfg):
    """Every place of ``cfg`` that loads weights from a file, URL or hub:
    ``teacher_ckpt``, data-free teachers' ``ckpt_path``, ``pretrained=True``,
    ``init_cfg`` entries of type ``Pretrained`` (in ``model``) and
    ``load_from``.

    Returns:
        list[WeightSource]: In config order.
    """
    found = []
    _sources(cfg.get('model'), 'model', found)
    if isinstance(cfg.get('load_from'), str):
        found.append(WeightSource('load_from', cfg.load_from,
                                  _local_fix('load_from'),
                                  _dropper(cfg, 'load_from', to=None)))
    return found


def check_weight_sources(cfg):
    """Refuse weights that are not on this machine, or drop them when the
    config sets ``random_weights = True``.

    Raises:
        WeightsError: Naming each unavailable source and how to pass a
            local file instead.
    """
    random = cfg.pop(RANDOM_WEIGHTS, False)
    missing = [source for source in weight_sources(cfg)
               if not source.available()]
    if not missing:
        return
    if not random:
        raise WeightsError(
            'the config loads weights that are not on this machine (nothing '
            'was built; reducekd does not download during a run):\n  '
            + '\n  '.join(source.problem() for source in missing)
            + f'\nA file put in {osp.join(torch.hub.get_dir(), "checkpoints")}'
            ' under the URL\'s file name is used as is. For a smoke run '
            f'without these weights: --cfg-options {RANDOM_WEIGHTS}=True.')
    for source in missing:
        source.drop()
    print_log(
        f'{RANDOM_WEIGHTS}=True: NOT loading '
        + ', '.join(f'{source.key} ({source.location})' for source in missing)
        + '. Those parts start from random weights: this run checks that '
        'the config trains, its results mean nothing.',
        logger='current', level=logging.WARNING)
