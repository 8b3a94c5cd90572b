"""mmpretrain's CIFAR10/CIFAR100 without a network: a message that suggests
LocalCIFAR10/100, and no empty folder left behind (reducekd.compat).

The download goes to a local port that refuses connections, so the tests
behave the same on a machine with a network.
"""
import os.path as osp
import urllib.error

import mmpretrain.datasets.cifar as cifar
import pytest

import reducekd.compat as compat
from conftest import REPO
from reducekd.errors import DatasetError
from reducekd.registry import DATASETS
from train_in_process import train_refuses

REFUSED = 'http://127.0.0.1:9/'  # the discard port: nothing listens there


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """CIFAR archives at a refused address; ``tmp_path`` as the cwd."""
    for dataset in (cifar.CIFAR10, cifar.CIFAR100):
        monkeypatch.setattr(dataset, 'url', REFUSED + dataset.filename)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def build(dataset_type, data_root):
    return DATASETS.build(dict(type=dataset_type, data_root=data_root,
                               split='train'))


def test_without_the_repair_a_raw_url_error_and_an_empty_folder(
        offline, monkeypatch):
    repaired = cifar.download_and_extract_archive
    monkeypatch.setattr(cifar, 'download_and_extract_archive',
                        repaired.__wrapped__)
    assert compat.cifar_download_unexplained()
    with pytest.raises(urllib.error.URLError):
        build('CIFAR10', 'data/cifar10')
    assert osp.isdir(offline / 'data' / 'cifar10')  # left behind, empty
    # the repair, applied again (its guard sees the unwrapped downloader)
    compat.explain_offline_cifar_download()
    assert not compat.cifar_download_unexplained()
    with pytest.raises(DatasetError, match='LocalCIFAR10'):
        build('CIFAR10', 'data/cifar100')
    assert not osp.exists(offline / 'data' / 'cifar100')


@pytest.mark.parametrize('stock,local,folder,files', [
    ('CIFAR10', 'LocalCIFAR10', 'cifar-10-batches-py',
     'data_batch_1, data_batch_2, data_batch_3, data_batch_4, data_batch_5, '
     'test_batch, batches.meta'),
    ('CIFAR100', 'LocalCIFAR100', 'cifar-100-python', 'train, test, meta')],
    ids=['CIFAR10', 'CIFAR100'])
def test_offline_download_suggests_the_local_type(offline, stock, local,
                                                  folder, files):
    with pytest.raises(DatasetError) as error:
        build(stock, 'data/cifar')
    message = str(error.value)
    assert 'could not download http://127.0.0.1:9/' in message
    assert 'this machine may be offline' in message
    assert f"put its {folder}/ ({files}) in a folder DIR and use " \
        f"type='{local}' with data_root=DIR, e.g. --cfg-options " \
        f'train_dataloader.dataset.type={local} ' \
        'train_dataloader.dataset.data_root=DIR' in message
    assert f'Removed the empty folder {offline / "data"} it had ' \
        'created.' in message
    assert not osp.exists(offline / 'data')


def test_offline_download_keeps_folders_that_existed(offline):
    (offline / 'data').mkdir()
    (offline / 'data' / 'notes.txt').write_text('mine')
    with pytest.raises(DatasetError) as error:
        build('CIFAR10', 'data/cifar10')
    assert f'Removed the empty folder {offline / "data" / "cifar10"}' \
        in str(error.value)
    assert (offline / 'data' / 'notes.txt').read_text() == 'mine'


def test_train_tool_on_a_stock_cifar_config_offline(offline, capsys):
    config = osp.join(REPO, 'configs', 'reducenet',
                      'reduce20-w1-student_1xb128_cifar10.py')
    line = train_refuses([config, '--work-dir', offline / 'work'], capsys)
    assert line.startswith('DatasetError: ')
    assert "use type='LocalCIFAR10' with data_root=DIR" in line
    assert not osp.exists(offline / 'data')
