"""The embedded digits and the CIFAR-layout loader for local copies."""
import pickle

import numpy as np
import pytest

from reducekd.registry import DATASETS


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
    def labels_and_images(seed):
        data = DATASETS.build(dict(type='Digits', per_class=20,
                                   subset_seed=seed)).load_data_list()
        return [d['gt_label'] for d in data], [d['img'].sum() for d in data]

    labels, images = labels_and_images(0)
    assert np.bincount(labels).tolist() == [20] * 10
    assert labels_and_images(0)[1] == images
    assert labels_and_images(1)[1] != images
    with pytest.raises(ValueError, match='has only'):
        DATASETS.build(dict(type='Digits', per_class=1000)).full_init()


def write_fake_cifar10(root, per_batch=4):
    folder = root / 'cifar-10-batches-py'
    folder.mkdir(parents=True)
    rng = np.random.RandomState(0)
    names = [f'data_batch_{i}' for i in range(1, 6)] + ['test_batch']
    for index, name in enumerate(names):
        batch = dict(
            data=rng.randint(0, 255, (per_batch, 3 * 32 * 32), np.uint8),
            labels=[(index + i) % 10 for i in range(per_batch)])
        (folder / name).write_bytes(pickle.dumps(batch))
    meta = dict(label_names=[f'class{i}' for i in range(10)])
    (folder / 'batches.meta').write_bytes(pickle.dumps(meta))


def test_local_cifar10_reads_a_copy_without_official_md5(tmp_path):
    write_fake_cifar10(tmp_path)
    pipeline = [dict(type='RandomCrop', crop_size=32, padding=4),
                dict(type='PackInputs')]
    train = DATASETS.build(dict(type='LocalCIFAR10', data_root=str(tmp_path),
                                split='train', pipeline=pipeline))
    test = DATASETS.build(dict(type='LocalCIFAR10', data_root=str(tmp_path),
                               split='test', pipeline=pipeline))
    assert (len(train), len(test)) == (20, 4)
    sample = train[0]
    assert tuple(sample['inputs'].shape) == (3, 32, 32)
    assert [d['gt_label'] for d in test.load_data_list()] == [5, 6, 7, 8]
    # mmpretrain's own class refuses the same files (md5 of the archive)
    with pytest.raises(RuntimeError, match='Cannot find CIFAR10'):
        DATASETS.build(dict(type='CIFAR10', data_root=str(tmp_path),
                            split='train', download=False)).full_init()


def test_local_cifar10_names_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='data_batch_1'):
        DATASETS.build(dict(type='LocalCIFAR10', data_root=str(tmp_path),
                            split='train')).full_init()
