"""The embedded digits and the CIFAR-layout loader for local copies."""
import os
import os.path as osp
import pathlib
import pickle

import numpy as np
import pytest

from conftest import REPO, tiny_config
from fake_cifar import python2_pickle, write_cifar10, write_cifar100
from reducekd.errors import DatasetError
from reducekd.registry import DATASETS
from train_in_process import train_refuses

CIFAR10_CONFIG = osp.join(REPO, 'configs', 'reducenet',
                          'reduce20-w1-student_1xb128_cifar10.py')


def test_digits_split_is_fixed_stratified_and_disjoint():
    train = DATASETS.build(dict(type='Digits', split='train'))
    test = DATASETS.build(dict(type='Digits', split='test'))
    assert (len(train), len(test)) == (1437, 360)
    assert train[0]['img'].shape == (32, 32, 3)
    assert train[0]['img'].dtype == np.uint8
    test_labels = np.bincount([d['gt_label'] for d in test.load_data_list()])
    assert test_labels.min() >= 35  # 10 classes, stratified
    train_imgs = {d['img'].tobytes() for d in train.load_data_list()}
    overlap = sum(d['img'].tobytes() in train_imgs
                  for d in test.load_data_list())
    assert overlap <= 2  # identical-looking digits only, not shared items


def test_digits_per_class_subset_is_seeded():
    def labels_and_images(seed, per_class=20):
        data = DATASETS.build(dict(type='Digits', per_class=per_class,
                                   subset_seed=seed)).load_data_list()
        return [d['gt_label'] for d in data], [d['img'].sum() for d in data]

    labels, images = labels_and_images(0)
    assert np.bincount(labels).tolist() == [20] * 10
    assert labels_and_images(0)[1] == images
    assert labels_and_images(1)[1] != images
    assert len(labels_and_images(0, per_class=139)[0]) == 1390  # the maximum


DIGITS_REFUSALS = [
    (dict(per_class=-5), 'per_class=-5 is not a number of images; use an '
     'int >= 1'),
    (dict(per_class=0), 'per_class=0 is not a number of images'),
    (dict(per_class=2.5), 'per_class=2.5 is not a number of images'),
    (dict(per_class=True), 'per_class=True is not a number of images'),
    (dict(per_class='20'), "per_class='20' is not a number of images"),
    (dict(per_class=140), 'per_class=140 is more than the 139 training '
     'images of the smallest class (digit 8); use an int from 1 to 139, or '
     'per_class=None for all 1437 training images.'),
    (dict(subset_seed=-1), 'subset_seed=-1 is not a seed; use an int from 0 '
     'to 4294967295.'),
    (dict(subset_seed=1.5), 'subset_seed=1.5 is not a seed'),
    (dict(subset_seed=2**32), 'subset_seed=4294967296 is not a seed'),
    (dict(image_size=4), 'image_size=4 is not a usable side; use an int >= '
     '8'),
    (dict(image_size=32.0), 'image_size=32.0 is not a usable side'),
    (dict(split='val'), "split='val' is not a split of the digits; use "
     "split='train' or split='test'."),
]


@pytest.mark.parametrize('arguments,message', DIGITS_REFUSALS,
                         ids=[str(args) for args, _ in DIGITS_REFUSALS])
def test_digits_refuses_arguments_out_of_range(arguments, message):
    with pytest.raises(DatasetError) as error:
        DATASETS.build(dict(type='Digits', **arguments))
    assert message in str(error.value)


def test_train_tool_refuses_a_digits_argument(tmp_path, capsys):
    # a short schedule, so that without the check the run ends soon
    line = train_refuses(
        [tiny_config('tiny_teacher_digits.py'), '--work-dir', tmp_path,
         '--cfg-options', 'train_dataloader.dataset.per_class=-5',
         'train_cfg.max_epochs=1', 'train_dataloader.batch_size=700'],
        capsys)
    assert line.startswith('DatasetError: ')
    assert 'per_class=-5 is not a number of images' in line


PIPELINE = [dict(type='RandomCrop', crop_size=32, padding=4),
            dict(type='PackInputs')]


def build_cifar(root, split='train', type='LocalCIFAR10', **kwargs):
    return DATASETS.build(dict(type=type, data_root=str(root), split=split,
                               pipeline=PIPELINE, **kwargs))


def test_local_cifar10_reads_a_copy_without_official_md5(tmp_path):
    write_cifar10(tmp_path)
    train, test = build_cifar(tmp_path), build_cifar(tmp_path, 'test')
    assert (len(train), len(test)) == (20, 4)
    sample = train[0]
    assert tuple(sample['inputs'].shape) == (3, 32, 32)
    assert [d['gt_label'] for d in test.load_data_list()] == [5, 6, 7, 8]
    # mmpretrain's own class refuses the same files (md5 of the archive)
    with pytest.raises(RuntimeError, match='Cannot find CIFAR10'):
        build_cifar(tmp_path, type='CIFAR10', download=False)


def test_local_cifar100_reads_fine_labels(tmp_path):
    write_cifar100(tmp_path)
    test = build_cifar(tmp_path, 'test', type='LocalCIFAR100')
    assert [d['gt_label'] for d in test.load_data_list()] == [1, 2, 3, 4]
    assert len(test.CLASSES) == 100


@pytest.mark.parametrize('local,stock,write', [
    ('LocalCIFAR10', 'CIFAR10', write_cifar10),
    ('LocalCIFAR100', 'CIFAR100', write_cifar100)])
def test_local_cifar_data_list_is_mmpretrains(tmp_path, local, stock, write):
    """The same images and labels as mmpretrain's loader reads (its md5
    check bypassed on these files)."""
    write(tmp_path)
    ours = build_cifar(tmp_path, type=local).load_data_list()
    theirs = build_cifar(tmp_path, type=stock, download=False,
                         lazy_init=True)
    theirs._check_integrity = lambda: True
    theirs = theirs.load_data_list()
    assert [d['gt_label'] for d in ours] == [d['gt_label'] for d in theirs]
    for mine, other in zip(ours, theirs):
        assert mine['img'].shape == (32, 32, 3)
        np.testing.assert_array_equal(mine['img'], other['img'])


@pytest.mark.parametrize('protocol', [4, 5])
def test_local_cifar10_reads_numpy2_pickles(tmp_path, protocol):
    """A copy re-saved by numpy 2 (``numpy._core``; ``_frombuffer`` at
    protocol 5) is still a plain CIFAR batch."""
    folder = write_cifar10(tmp_path)
    batch = pickle.loads((folder / 'test_batch').read_bytes(),
                         encoding='latin1')
    (folder / 'test_batch').write_bytes(pickle.dumps(batch, protocol))
    assert len(build_cifar(tmp_path, 'test')) == 4


class _Touches:
    """Unpickling this creates a file: a stand-in for a tampered batch."""

    def __init__(self, path, shell):
        self.path, self.shell = path, shell

    def __reduce__(self):
        if self.shell:
            return (os.system, (f'touch {self.path}',))
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


@pytest.mark.parametrize('shell,refused', [
    (True, f'{os.system.__module__}.system'),
    (False, 'pathlib.Path.touch')])
def test_tampered_batch_is_refused_without_running_it(tmp_path, shell,
                                                      refused):
    folder = write_cifar10(tmp_path)
    marker = tmp_path / 'created_by_the_data_file'
    batch = {'data': _Touches(marker, shell), 'labels': [0]}
    (folder / 'data_batch_2').write_bytes(pickle.dumps(batch, protocol=4))
    with pytest.raises(DatasetError) as error:
        build_cifar(tmp_path)
    assert not marker.exists()
    message = str(error.value)
    assert f'refused to read {folder / "data_batch_2"}: it pickles the ' \
        f'global {refused}' in message
    assert 'Replace' in message


def test_train_tool_refuses_a_tampered_copy(tmp_path, capsys):
    folder = write_cifar10(tmp_path)
    marker = tmp_path / 'created_by_the_data_file'
    (folder / 'test_batch').write_bytes(python2_pickle(
        {'data': _Touches(marker, shell=True), 'labels': [0]}))
    options = [f'{loader}.dataset.{key}={value}'
               for loader in ('train_dataloader', 'val_dataloader')
               for key, value in (('type', 'LocalCIFAR10'),
                                  ('data_root', tmp_path))]
    line = train_refuses([CIFAR10_CONFIG, '--work-dir', tmp_path / 'work',
                          '--cfg-options', *options], capsys)
    assert not marker.exists()
    assert line.startswith('DatasetError: ')
    assert f'refused to read {folder / "test_batch"}' in line


def test_truncated_batch_is_named(tmp_path):
    folder = write_cifar10(tmp_path)
    path = folder / 'data_batch_1'
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DatasetError, match=f'cannot read {path} as a CIFAR '
                       'python file'):
        build_cifar(tmp_path)


def test_batch_without_data_is_named(tmp_path):
    folder = write_cifar10(tmp_path)
    (folder / 'data_batch_3').write_bytes(python2_pickle({'labels': [0]}))
    with pytest.raises(DatasetError, match='data_batch_3 is not a CIFAR '
                       "batch: it must be a dict with a 'data' array"):
        build_cifar(tmp_path)


def test_local_cifar_names_the_expected_folder_and_files(tmp_path):
    files = ('data_batch_1, data_batch_2, data_batch_3, data_batch_4, '
             'data_batch_5, test_batch, batches.meta')
    with pytest.raises(DatasetError) as error:
        build_cifar(tmp_path / 'nowhere')
    assert f'data_root {tmp_path / "nowhere"} does not exist; set ' \
        f'data_root to the folder that holds cifar-10-batches-py/ with ' \
        f'{files}' in str(error.value)
    with pytest.raises(DatasetError, match=f'{tmp_path} has no folder '
                       'cifar-10-batches-py/; data_root must be'):
        build_cifar(tmp_path)
    folder = write_cifar10(tmp_path)
    (folder / 'data_batch_4').unlink()
    (folder / 'batches.meta').unlink()
    with pytest.raises(DatasetError, match=f'{folder} lacks data_batch_4, '
                       'batches.meta; copy the complete cifar-10-batches-py/'):
        build_cifar(tmp_path)


CIFAR_REFUSALS = [
    (dict(split='val'), "LocalCIFAR100: split='val' is not a CIFAR split; "
     "use split='train' or split='test'."),
    (dict(download=True), 'LocalCIFAR100 reads a copy already on disk and '
     "never downloads; remove download=True, or use mmpretrain's CIFAR100"),
    (dict(data_root=''), 'LocalCIFAR100: data_root is not set; set it to the '
     'folder that holds cifar-100-python/ (train, test, meta).'),
]


@pytest.mark.parametrize('arguments,message', CIFAR_REFUSALS,
                         ids=[str(args) for args, _ in CIFAR_REFUSALS])
def test_local_cifar_refuses_arguments(tmp_path, arguments, message):
    config = dict(type='LocalCIFAR100', data_root=str(tmp_path),
                  split='train')
    config.update(arguments)
    with pytest.raises(DatasetError) as error:
        DATASETS.build(config)
    assert message in str(error.value)
