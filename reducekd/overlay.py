"""Merge an override file into a loaded config: ``--cfg-options overlay=F``.

A child config (``_base_ = [CONFIG]`` and the changes) is the usual way to
change a config; an overlay makes the same changes to any config without a
child file per config. mmrazor's zoo configs run unmodified this way, and
one overlay (``configs/mmrazor_zoo/smoke_digits.py``) moves any of them
onto the embedded digits for a short run.

An overlay's keys merge into the config as a child config's would: dicts key
by key, ``_delete_=True`` replaces a dict whole, other values (lists
included) replace. An overlay has no ``_base_`` of its own (its
``_delete_`` markers would be spent on its base instead).
"""
import ast

from reducekd.config_check import load_config
from reducekd.errors import ConfigError

#: The ``--cfg-options`` key that names an overlay file.
OVERLAY = 'overlay'


def apply_overlay(cfg, path):
    """Merge the overlay file ``path`` into ``cfg`` in place.

    Raises:
        ConfigError: The overlay cannot be read, or has a ``_base_``.
    """
    overlay = load_config(path)
    with open(overlay.filename, encoding='utf-8') as file:
        tree = ast.parse(file.read())
    if any(isinstance(node, ast.Assign) and any(
            getattr(target, 'id', None) == '_base_'
            for target in node.targets) for node in tree.body):
        raise ConfigError(
            f'overlay {path} has a _base_; an overlay is merged as it is '
            'written: put what it needs from other files into it.')
    cfg.merge_from_dict(overlay.to_dict())
