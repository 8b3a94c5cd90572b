"""CIFAR-10/100 from a copy already on disk: no md5 check, no download, no
code run from the data files.

mmpretrain's ``CIFAR10``/``CIFAR100`` compare every file with the md5 of the
official archive, download when the check fails, and read the files with the
full :mod:`pickle` module. A user's own copy, a re-packed one, or the small
generated copies of the tests fail that check, and no machine here reaches
the internet. These classes read the same ``cifar-10-batches-py`` /
``cifar-100-python`` layout, require the files to exist, and read them with
:func:`~reducekd.datasets.cifar_pickle.load_cifar_file`, which refuses
anything but dicts, lists, strings, numbers and numpy arrays. The data list
is the one mmpretrain builds: HWC uint8 images and integer labels.
"""
import os.path as osp

import numpy as np
from mmpretrain.datasets import CIFAR10, CIFAR100

from reducekd.datasets.cifar_pickle import CIFAR_PAGE, load_cifar_file
from reducekd.errors import DatasetError
from reducekd.registry import DATASETS

SPLITS = ('train', 'test')


def expected_files(dataset_class):
    """The files a CIFAR class reads from its ``base_folder``.

    Args:
        dataset_class (type): mmpretrain's ``CIFAR10``/``CIFAR100`` or a
            subclass.

    Returns:
        list[str]: Training and test batches, then the meta file.
    """
    entries = dataset_class.train_list + dataset_class.test_list
    return [name for name, _ in entries] + [dataset_class.meta['filename']]


class _LocalFilesMixin:
    """Check the arguments and the files; never download; read safely."""

    def __init__(self, data_root='', split='train', download=False,
                 **kwargs):
        name = type(self).__name__
        if download:
            raise DatasetError(
                f'{name} reads a copy already on disk and never downloads; '
                f"remove download=True, or use mmpretrain's "
                f"{name.replace('Local', '')} to download.")
        if split not in SPLITS:
            raise DatasetError(
                f"{name}: split={split!r} is not a CIFAR split; use "
                "split='train' or split='test'.")
        if not data_root and not kwargs.get('data_prefix'):
            raise DatasetError(
                f'{name}: data_root is not set; set it to the folder that '
                f'holds {self.base_folder}/ ({self._listing()}).')
        super().__init__(data_root=data_root, split=split, download=False,
                         **kwargs)

    def _listing(self):
        return ', '.join(expected_files(type(self)))

    def _root(self):
        return osp.normpath(self.data_prefix['root'])

    def _folder(self):
        return osp.join(self._root(), self.base_folder)

    def _check_files(self):
        """Raise a :class:`DatasetError` naming what is missing."""
        name, root, folder = type(self).__name__, self._root(), self._folder()
        expected = (f'{self.base_folder}/ with {self._listing()} (the python '
                    f'version of the dataset, {CIFAR_PAGE})')
        if not osp.isdir(root):
            raise DatasetError(
                f'{name}: data_root {root} does not exist; set data_root to '
                f'the folder that holds {expected}.')
        if not osp.isdir(folder):
            raise DatasetError(
                f'{name}: {root} has no folder {self.base_folder}/; data_root '
                f'must be the folder that holds {expected}.')
        missing = [file for file in expected_files(type(self))
                   if not osp.isfile(osp.join(folder, file))]
        if missing:
            raise DatasetError(
                f'{name}: {folder} lacks {", ".join(missing)}; copy the '
                f'complete {expected} there.')

    def _read_batch(self, file_name):
        path = osp.join(self._folder(), file_name)
        batch = load_cifar_file(path)
        labels = None
        if isinstance(batch, dict):
            labels = batch.get('labels', batch.get('fine_labels'))
        if labels is None or not isinstance(batch.get('data'), np.ndarray) \
                or len(batch['data']) != len(labels):
            raise DatasetError(
                f'{path} is not a CIFAR batch: it must be a dict with a '
                "'data' array and as many 'labels' (CIFAR-10) or "
                "'fine_labels' (CIFAR-100). Replace it with the file of the "
                f'official python version ({CIFAR_PAGE}).')
        return batch['data'], labels

    def load_data_list(self):
        """HWC uint8 images and integer labels of the split."""
        self._check_files()
        entries = self.train_list if self.split == 'train' else self.test_list
        images, labels = [], []
        for file_name, _ in entries:
            data, batch_labels = self._read_batch(file_name)
            images.append(data)
            labels.extend(batch_labels)
        images = np.vstack(images).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        if self.CLASSES is None:
            self._load_meta()
        return [dict(img=image, gt_label=int(label))
                for image, label in zip(images, labels)]

    def _load_meta(self):
        meta = load_cifar_file(osp.join(self._folder(), self.meta['filename']))
        self._metainfo.setdefault('classes', meta[self.meta['key']])


@DATASETS.register_module()
class LocalCIFAR10(_LocalFilesMixin, CIFAR10):
    """CIFAR-10 from ``data_root/cifar-10-batches-py`` (``data_batch_1`` ...
    ``data_batch_5``, ``test_batch``, ``batches.meta``), files checked by
    presence only and read without running code. Same arguments as
    mmpretrain's ``CIFAR10``, except that ``download`` must stay False."""


@DATASETS.register_module()
class LocalCIFAR100(_LocalFilesMixin, CIFAR100):
    """CIFAR-100 from ``data_root/cifar-100-python`` (``train``, ``test``,
    ``meta``), files checked by presence only and read without running code.
    Same arguments as mmpretrain's ``CIFAR100``, except that ``download``
    must stay False."""
