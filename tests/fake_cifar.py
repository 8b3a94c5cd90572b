"""Small CIFAR-10/100 copies in the official python layout, for the tests.

The official files were written by Python 2's cPickle (protocol 2): strings
as Python 2 ``str`` and arrays rebuilt by ``numpy.core.multiarray.
_reconstruct``. :func:`write_cifar10` and :func:`write_cifar100` write the
same kind of pickle with the same keys, so a loader that reads these reads
the real files.
"""
import io
import pickle
import struct

import numpy as np

_RECONSTRUCT = (np._core if hasattr(np, '_core') else np.core) \
    .multiarray._reconstruct


class Python2Pickler(pickle._Pickler):
    """Pickles bytes as Python 2 ``str`` and names numpy's ``_reconstruct``
    by its numpy 1.x module, as the official files do."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_python2_str(self, obj):
        size = len(obj)
        if size < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([size]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack('<i', size) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_python2_str

    def save_global(self, obj, name=None):
        if obj is _RECONSTRUCT:
            self.write(pickle.GLOBAL
                       + b'numpy.core.multiarray\n_reconstruct\n')
            self.memoize(obj)
        else:
            super().save_global(obj, name)


def python2_pickle(obj):
    buffer = io.BytesIO()
    Python2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def _batch(rng, size, first_label, num_classes, label_key, name):
    labels = [(first_label + i) % num_classes for i in range(size)]
    batch = {'batch_label': f'{name} of the test copy',
             label_key: labels,
             'data': rng.randint(0, 256, (size, 3 * 32 * 32)).astype(np.uint8),
             'filenames': [f'image_{i}.png' for i in range(size)]}
    if label_key == 'fine_labels':
        batch['coarse_labels'] = [label // 5 for label in labels]
    return batch


def write_cifar10(root, per_batch=4):
    """``root/cifar-10-batches-py``: 5 training batches and a test batch of
    ``per_batch`` images; labels count up from the batch's index."""
    folder = root / 'cifar-10-batches-py'
    folder.mkdir(parents=True)
    rng = np.random.RandomState(0)
    names = [f'data_batch_{i}' for i in range(1, 6)] + ['test_batch']
    for index, name in enumerate(names):
        batch = _batch(rng, per_batch, index, 10, 'labels', name)
        (folder / name).write_bytes(python2_pickle(batch))
    meta = {'label_names': [f'class{i}' for i in range(10)],
            'num_cases_per_batch': per_batch, 'num_vis': 3 * 32 * 32}
    (folder / 'batches.meta').write_bytes(python2_pickle(meta))
    return folder


def write_cifar100(root, per_split=4):
    """``root/cifar-100-python``: ``train`` and ``test`` of ``per_split``
    images each, and ``meta``."""
    folder = root / 'cifar-100-python'
    folder.mkdir(parents=True)
    rng = np.random.RandomState(0)
    for index, name in enumerate(('train', 'test')):
        batch = _batch(rng, per_split, index, 100, 'fine_labels', name)
        (folder / name).write_bytes(python2_pickle(batch))
    meta = {'fine_label_names': [f'fine{i}' for i in range(100)],
            'coarse_label_names': [f'coarse{i}' for i in range(20)]}
    (folder / 'meta').write_bytes(python2_pickle(meta))
    return folder
