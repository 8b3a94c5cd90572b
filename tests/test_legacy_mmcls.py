"""Configs written for mmcls are read with mmpretrain (reducekd.legacy_mmcls,
routed into mmengine's config loading by reducekd.compat)."""
import textwrap

import pytest
from mmengine.config import Config

from reducekd import legacy_mmcls
from reducekd.config_check import load_config
from reducekd.errors import ConfigError


@pytest.fixture
def logged(monkeypatch):
    lines = []
    monkeypatch.setattr(legacy_mmcls, 'print_log',
                        lambda message, logger: lines.append(message))
    return lines


def write(tmp_path, text, name='old.py'):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def test_a_users_old_config_is_mapped_with_one_log_line(tmp_path, logged):
    path = write(tmp_path, '''
        _base_ = ['mmcls::resnet/resnet18_8xb16_cifar10.py']
        default_scope = 'mmcls'
        model = dict(head=dict(type='mmcls.LinearClsHead', num_classes=10))
        teacher = dict(cfg_path='mmcls::deit/deit-base_pt-16xb64_in1k.py')
        train_dataloader = dict(dataset=dict(pipeline=[
            dict(type='RandomCrop', crop_size=32),
            dict(type='PackClsInputs')]))
        visualizer = dict(_scope_='mmcls', type='ClsVisualizer')
        ''')
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmpretrain'
    assert cfg.model.backbone.type == 'ResNet_CIFAR'  # from mmpretrain's file
    assert (cfg.model.head.type, cfg.model.head._scope_) == (
        'LinearClsHead', 'mmpretrain')
    assert cfg.teacher.cfg_path == 'mmpretrain::deit/deit-base_16xb64_in1k.py'
    assert cfg.train_dataloader.dataset.pipeline[-1].type == 'PackInputs'
    assert cfg.visualizer.type == 'UniversalVisualizer'
    assert len(logged) == 1
    assert logged[0].startswith(f'{path} is written for mmcls; read with '
                                'mmpretrain: mmcls::resnet/')
    for mapped in ('deit-base_pt-16xb64_in1k.py -> mmpretrain::deit/deit-'
                   'base_16xb64_in1k.py', 'PackClsInputs -> PackInputs',
                   "default_scope 'mmcls' -> 'mmpretrain'"):
        assert mapped in logged[0]


def test_a_config_without_mmcls_is_left_alone(tmp_path, logged):
    path = write(tmp_path, '''
        model = dict(type='ImageClassifier', neck=dict(type='PackClsInputs'))
        ''')
    assert Config.fromfile(path).model.neck.type == 'PackClsInputs'
    assert logged == []


def test_an_mmcls_base_without_counterpart_names_key_and_file(tmp_path):
    path = write(tmp_path,
                 "_base_ = ['mmcls::resnet/resnet18_8xb16_cifar.py']")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert message.startswith(f"{path}: _base_ 'mmcls::resnet/resnet18_8xb16_"
                              "cifar.py' names an mmcls config that "
                              'mmpretrain does not have')
    assert 'resnet18_8xb16_cifar10.py' in message  # a close name


def test_an_mmcls_type_without_counterpart_names_key_and_file(tmp_path):
    path = write(tmp_path, '''
        model = dict(type='ImageClassifier',
                     backbone=dict(type='mmcls.NoSuchNet'))
        ''')
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(
        f"{path}: model.backbone.type 'mmcls.NoSuchNet' names an mmcls "
        'class that mmpretrain does not register')


def test_an_mmcls_package_path_on_the_command_line_is_mapped(logged):
    cfg = load_config('mmcls::resnet/resnet18_8xb16_cifar10.py')
    assert cfg.model.backbone.type == 'ResNet_CIFAR'
    assert logged == ['mmcls::resnet/resnet18_8xb16_cifar10.py is written '
                      'for mmcls; read with mmpretrain: mmcls::resnet/'
                      'resnet18_8xb16_cifar10.py -> mmpretrain::resnet/'
                      'resnet18_8xb16_cifar10.py']
