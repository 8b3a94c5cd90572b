"""Weights a config would load from elsewhere are checked before the build
(reducekd.weight_sources)."""
import logging

import pytest
import torch
from mmengine.config import Config

from reducekd import weight_sources
from reducekd.weight_sources import WeightsError, check_weight_sources

URL = 'https://download.example.org/weights/teacher_20210831-f257d4e6.pth'


def zoo_like(**top):
    """A config shaped like mmrazor's zoo: a cfg_path teacher with
    ``pretrained=True``, a teacher URL, a student init_cfg list and a
    data-free teacher whose ``ckpt_path`` is missing."""
    return Config(dict(
        model=dict(
            teacher=dict(cfg_path='mmpretrain::resnet/resnet18_8xb16_cifar10'
                         '.py', pretrained=True),
            teacher_ckpt=URL,
            architecture=dict(init_cfg=[
                dict(type='Kaiming', layer='Conv2d'),
                dict(type='Pretrained', checkpoint='missing/stage1.pth')]),
            teachers=dict(res34=dict(build_cfg=dict(), ckpt_path='no.pth'))),
        **top))


def test_unavailable_weights_are_refused_with_the_way_to_pass_a_file():
    with pytest.raises(WeightsError) as error:
        check_weight_sources(zoo_like())
    message = str(error.value)
    assert f'model.teacher_ckpt loads {URL}, not on this machine; download ' \
        'it where there is a network and pass the file: --cfg-options ' \
        'model.teacher_ckpt=/path/to/file.pth' in message
    # pretrained=True on a cfg_path: the URL of mmpretrain's metafile
    assert 'model.teacher.pretrained loads https://download.openmmlab.com/' \
        'mmclassification/v0/resnet/resnet18_b16x8_cifar10' in message
    assert 'model.architecture.init_cfg[1].checkpoint loads missing/' \
        'stage1.pth, not' in message
    assert 'model.teachers.res34.ckpt_path loads no.pth, not' in message
    assert 'random_weights=True' in message


def test_local_files_and_cached_downloads_pass(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path))
    (tmp_path / 'checkpoints').mkdir()
    (tmp_path / 'checkpoints' / URL.rsplit('/', 1)[1]).write_bytes(b'')
    local = tmp_path / 'teacher.pth'
    local.write_bytes(b'')
    cfg = Config(dict(model=dict(teacher_ckpt=URL, init_cfg=dict(
        type='Pretrained', checkpoint=str(local))), load_from=str(local)))
    check_weight_sources(cfg)
    assert cfg.model.teacher_ckpt == URL


def test_random_weights_drops_each_source_and_says_so(monkeypatch):
    warnings = []
    monkeypatch.setattr(weight_sources, 'print_log',
                        lambda message, logger, level: warnings.append(
                            (level, message)))
    cfg = zoo_like(random_weights=True)
    check_weight_sources(cfg)
    model = cfg.model
    assert model.teacher.pretrained is False and model.teacher_ckpt is None
    assert model.architecture.init_cfg == [dict(type='Kaiming',
                                                layer='Conv2d')]
    assert 'ckpt_path' not in model.teachers.res34
    assert 'random_weights' not in cfg
    [(level, message)] = warnings
    assert level == logging.WARNING
    assert message.startswith(f'random_weights=True: NOT loading '
                              f'model.teacher_ckpt ({URL})')
    assert message.endswith('its results mean nothing.')


def test_a_hub_download_of_a_backbone_is_refused():
    cfg = Config(dict(model=dict(teacher=dict(backbone=dict(
        type='TIMMBackbone', model_name='regnety_160', pretrained=True)))))
    with pytest.raises(WeightsError) as error:
        check_weight_sources(cfg)
    assert 'model.teacher.backbone.pretrained loads weights TIMMBackbone ' \
        'downloads itself, not on this machine' in str(error.value)
