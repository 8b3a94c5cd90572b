"""CIFAR-10/100 from a copy already on disk, without the md5 check.

mmpretrain's ``CIFAR10``/``CIFAR100`` compare every file with the md5 of the
official archive and download when the check fails. A user's own copy, a
re-packed one, or the small generated fixtures of the tests fail that check,
and no machine here reaches the internet. These classes read the same
``cifar-10-batches-py`` / ``cifar-100-python`` layout and only require the
files to exist.
"""
import os.path as osp

from mmpretrain.datasets import CIFAR10, CIFAR100

from reducekd.registry import DATASETS


class _LocalFilesMixin:
    """Check that the CIFAR files exist; never download."""

    def __init__(self, *args, **kwargs):
        if kwargs.get('download'):
            raise ValueError(f'{type(self).__name__} reads a local copy; use '
                             "mmpretrain's CIFAR classes to download.")
        kwargs['download'] = False
        super().__init__(*args, **kwargs)

    def _expected_files(self):
        names = [name for name, _ in self.train_list + self.test_list]
        names.append(self.meta['filename'])
        root = osp.join(self.data_prefix['root'], self.base_folder)
        return [osp.join(root, name) for name in names]

    def _check_integrity(self):
        return all(osp.isfile(path) for path in self._expected_files())

    def load_data_list(self):
        missing = [p for p in self._expected_files() if not osp.isfile(p)]
        if missing:
            raise FileNotFoundError(
                f'{type(self).__name__}: missing {", ".join(missing)}. '
                f'Copy the python version of the dataset into '
                f'{self.data_prefix["root"]}.')
        return super().load_data_list()


def _without_md5(entries):
    return [[name, None] for name, _ in entries]


@DATASETS.register_module()
class LocalCIFAR10(_LocalFilesMixin, CIFAR10):
    """CIFAR-10 from ``data_root/cifar-10-batches-py``, files checked by
    presence only. Same arguments as mmpretrain's ``CIFAR10``."""

    train_list = _without_md5(CIFAR10.train_list)
    test_list = _without_md5(CIFAR10.test_list)
    meta = dict(CIFAR10.meta, md5=None)


@DATASETS.register_module()
class LocalCIFAR100(_LocalFilesMixin, CIFAR100):
    """CIFAR-100 from ``data_root/cifar-100-python``, files checked by
    presence only. Same arguments as mmpretrain's ``CIFAR100``."""

    train_list = _without_md5(CIFAR100.train_list)
    test_list = _without_md5(CIFAR100.test_list)
    meta = dict(CIFAR100.meta, md5=None)
