"""The test split of a config, for the export checks."""
from mmengine.registry import DefaultScope

from reducekd.errors import ConfigError


def loader_of_test_split(cfg):
    """The data loader of ``cfg.test_dataloader``, built as the Runner
    builds it (in the config's scope), without a Runner.

    Raises:
        ConfigError: The config has no ``test_dataloader``.
    """
    from mmengine.runner import Runner
    loader_cfg = cfg.get('test_dataloader')
    if not loader_cfg:
        raise ConfigError(
            f'{cfg.filename} has no test_dataloader, which the export '
            'checks run on: give the config that trained the checkpoint, or '
            'add one with --cfg-options (or an overlay=FILE).')
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'reducekd')):
        return Runner.build_dataloader(loader_cfg.to_dict()
                                       if hasattr(loader_cfg, 'to_dict')
                                       else loader_cfg)
