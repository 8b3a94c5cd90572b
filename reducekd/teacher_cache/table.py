"""A teacher-output table on disk: one folder, written atomically.

Layout of a finished table ``<root>/<key>-<dtype>/``:

* ``logits.npy``: the teacher's logits, ``(samples, views, classes)``, in
  float32 (exact) or float16 (half the size; see :data:`FP16_RELATIVE_ERROR`);
* ``meta.json``: the source (:mod:`reducekd.teacher_cache.source`), the shape,
  the storage dtype and the build's time (of its last session, resumed or
  not).

While it is built, the folder is ``<name>.part`` and also holds ``done.npy``
(one flag per chunk of samples). An interrupted build resumes from the chunks
marked done; the finished folder appears in one rename, so a table that
exists is complete.
"""
import json
import os
import os.path as osp
import shutil

import numpy as np
import torch

from reducekd.checkpoint import ReplacingFile

LOGITS = 'logits.npy'
META = 'meta.json'
DONE = 'done.npy'
PART = '.part'
#: Storage dtypes by name.
DTYPES = {'fp32': np.float32, 'fp16': np.float16}
#: Bound on |stored - exact| / |exact| of a float16 table: float16 keeps 11
#: significant bits and rounds to nearest, so each logit is off by at most
#: half a unit in the last place, 2^-11 of its magnitude (for magnitudes in
#: float16's normal range, 6.1e-5 to 65504; the builder refuses larger ones).
FP16_RELATIVE_ERROR = 2.0**-11
#: Largest magnitude a float16 table stores.
FP16_MAX = float(np.finfo(np.float16).max)


def table_dir(root, key, dtype):
    """Folder of the table with source key ``key`` stored as ``dtype``."""
    return osp.join(root, f'{key}-{dtype}')


def read_meta(directory):
    """The ``meta.json`` of a finished table."""
    with open(osp.join(directory, META)) as file:
        return json.load(file)


def is_table(directory):
    """Whether ``directory`` holds a finished table."""
    return osp.isfile(osp.join(directory, META)) and osp.isfile(
        osp.join(directory, LOGITS))


class TableWriter:
    """Writes a table chunk by chunk into ``<directory>.part``; resumable.

    Args:
        directory (str): Folder of the finished table.
        source (dict): What the table is built from.
        shape (tuple): ``(samples, views, classes)``.
        dtype (str): ``'fp32'`` or ``'fp16'``.
        chunk_size (int): Samples per chunk (the unit of progress).
        create (bool): Create (or check) the part folder; in a multi-process
            build only rank 0 does, the others open it after a barrier.
    """

    def __init__(self, directory, source, shape, dtype, chunk_size,
                 create=True):
        self.directory = directory
        self.part = directory + PART
        self.chunk_size = chunk_size
        self.num_chunks = -(-shape[0] // chunk_size)
        self.meta = dict(source=source, shape=list(shape), dtype=dtype,
                         chunk_size=chunk_size)
        if create:
            self._create_or_check(shape, dtype)

    def _create_or_check(self, shape, dtype):
        meta_path = osp.join(self.part, META)
        if osp.isfile(meta_path):
            with open(meta_path) as file:
                if json.load(file) == self.meta:
                    return  # resume this build
            shutil.rmtree(self.part)  # another build's leftovers
        os.makedirs(self.part, exist_ok=True)
        np.lib.format.open_memmap(osp.join(self.part, LOGITS), mode='w+',
                                  dtype=DTYPES[dtype], shape=tuple(shape))
        np.lib.format.open_memmap(osp.join(self.part, DONE), mode='w+',
                                  dtype=np.bool_, shape=(self.num_chunks, ))
        with ReplacingFile(meta_path, 'w') as file:
            json.dump(self.meta, file)

    def open(self):
        """Open the part folder's arrays for writing."""
        self.logits = np.load(osp.join(self.part, LOGITS), mmap_mode='r+')
        self.done = np.load(osp.join(self.part, DONE), mmap_mode='r+')

    def pending_chunks(self, rank=0, world_size=1):
        """The chunks of this process (every ``world_size``-th) not done."""
        return [chunk for chunk in range(rank, self.num_chunks, world_size)
                if not self.done[chunk]]

    def samples_of(self, chunk):
        """Sample indices of ``chunk``."""
        start = chunk * self.chunk_size
        return range(start, min(start + self.chunk_size,
                                self.logits.shape[0]))

    def write(self, chunk, logits):
        """Store a chunk's logits ``(samples, views, classes)``, then mark it
        done (in that order, so a done chunk is on disk)."""
        rows = self.samples_of(chunk)
        self.logits[rows.start:rows.stop] = logits
        self.logits.flush()
        self.done[chunk] = True
        self.done.flush()

    def finish(self, timing):
        """Check every chunk is done and move the table into place.

        Args:
            timing (dict): How long the build took, kept in ``meta.json``.

        Raises:
            RuntimeError: Some chunk was not written (a bug).
        """
        done = np.load(osp.join(self.part, DONE))
        if not done.all():
            raise RuntimeError(f'teacher cache: chunks {np.flatnonzero(~done)}'
                               ' were not written')
        os.remove(osp.join(self.part, DONE))
        with ReplacingFile(osp.join(self.part, META), 'w') as file:
            json.dump(dict(self.meta, **timing), file,
                      indent=1)
        if osp.isdir(self.directory):
            shutil.rmtree(self.directory)
        os.replace(self.part, self.directory)


class TeacherOutputTable:
    """A finished table, read into memory for look-ups during training.

    Args:
        directory (str): The table's folder.
    """

    def __init__(self, directory):
        self.directory = directory
        self.meta = read_meta(directory)
        # read whole into memory: CIFAR-10's 162 views in fp16 are 162 MB
        self._logits = torch.from_numpy(np.load(osp.join(directory, LOGITS)))
        self._on = {}

    @property
    def shape(self):
        """``(samples, views, classes)``."""
        return tuple(self._logits.shape)

    def lookup(self, sample_idx, views, device=None):
        """The teacher's float32 logits of samples at views.

        Args:
            sample_idx (torch.Tensor): Index of each sample in the dataset.
            views (torch.Tensor): The view each sample was drawn at.
            device: Where the logits go (the table is copied there once).

        Returns:
            torch.Tensor: ``(batch, classes)`` float32 logits.
        """
        device = torch.device(device or 'cpu')
        if device not in self._on:
            self._on[device] = self._logits.to(device)
        table = self._on[device]
        return table[sample_idx.to(device), views.to(device)].float()
