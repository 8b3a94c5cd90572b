"""``--cfg-options overlay=FILE`` (reducekd.overlay), and the config check
on configs written for other scopes (mmrazor's zoo)."""
import textwrap

import pytest
from mmengine.config import Config

from reducekd.config_check import check_config
from reducekd.errors import ConfigError
from reducekd.runner import prepare_config


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_an_overlay_merges_like_a_child_config_before_other_options(
        tmp_path):
    config = write(tmp_path, 'config.py', '''
        default_scope = 'reducekd'
        train_dataloader = dict(batch_size=64, num_workers=0, dataset=dict(
            type='CIFAR10', data_root='data/cifar10'))
        train_cfg = dict(by_epoch=False, max_iters=5000)
        param_scheduler = [dict(type='LinearLR', end=500, by_epoch=False)]
        ''')
    overlay = write(tmp_path, 'overlay.py', '''
        train_dataloader = dict(batch_size=8, dataset=dict(
            _delete_=True, type='Digits', split='train'))
        train_cfg = dict(_delete_=True, by_epoch=True, max_epochs=1)
        param_scheduler = []
        ''')
    cfg = prepare_config(config, cfg_options={
        'overlay': overlay, 'train_dataloader.batch_size': 4})
    assert cfg.train_dataloader.dataset == dict(type='Digits', split='train')
    assert cfg.train_dataloader.batch_size == 4  # the option wins
    assert cfg.train_cfg == dict(by_epoch=True, max_epochs=1)
    assert cfg.param_scheduler == [] and 'overlay' not in cfg


def test_an_overlay_with_a_base_is_refused(tmp_path):
    config = write(tmp_path, 'config.py', "default_scope = 'reducekd'")
    write(tmp_path, 'base.py', 'train_cfg = dict(max_epochs=1)')
    overlay = write(tmp_path, 'overlay.py', "_base_ = ['./base.py']")
    with pytest.raises(ConfigError, match='overlay .* has a _base_'):
        prepare_config(config, cfg_options={'overlay': overlay})


def zoo_connectors(**connector):
    return Config(dict(default_scope='mmpretrain', model=dict(
        _scope_='mmrazor', type='SingleTeacherDistill',
        architecture=dict(cfg_path='mmpretrain::resnet/resnet18_8xb16_'
                          'cifar10.py'),
        teacher=dict(cfg_path='mmpretrain::resnet/resnet50_8xb16_'
                     'cifar10.py'),
        distiller=dict(type='ConfigurableDistiller',
                       connectors=dict(sfeat=connector)))))


def test_types_are_checked_in_the_registry_of_their_scope():
    """mmrazor's Translator (in_channel) under _scope_='mmrazor', not
    reducekd's (in_channels) of the same name."""
    check_config(zoo_connectors(type='Translator', in_channel=512,
                                out_channel=1024))
    with pytest.raises(ConfigError, match="Translator has no argument "
                       "'in_channels'; did you mean 'in_channel'"):
        check_config(zoo_connectors(type='Translator', in_channels=512,
                                    out_channel=1024))


def test_ema_hook_arguments_and_hook_priority_are_known():
    hooks = [dict(type='EMAHook', momentum=4e-5, priority='ABOVE_NORMAL')]
    check_config(Config(dict(default_scope='mmpretrain',
                             custom_hooks=hooks)))
    hooks[0]['momentun'] = hooks[0].pop('momentum')
    with pytest.raises(ConfigError, match="EMAHook has no argument "
                       "'momentun'"):
        check_config(Config(dict(default_scope='mmpretrain',
                                 custom_hooks=hooks)))
