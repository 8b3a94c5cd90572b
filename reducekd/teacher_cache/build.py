"""Build a teacher-output table: every view of every training sample
through the frozen teacher, in chunks, resumable, on one or more processes."""
import time

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.dist import barrier, get_dist_info
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

from reducekd.errors import NonFiniteError
from reducekd.registry import DATASETS, MODELS

from .config import CACHE_ROOT, check_cacheable
from .source import cache_source, source_key
from .table import FP16_MAX, TableWriter, is_table, read_meta, table_dir
from .views import build_transforms, every_view

#: Samples per chunk: the unit of progress and of resuming.
CHUNK_SIZE = 8


class _LogitsProbe:
    """Keeps the output of the teacher's logits module, as the distiller's
    recorder does in a live run."""

    def __init__(self, module):
        self.output = None
        self._handle = module.register_forward_hook(self._keep)

    def _keep(self, _module, _args, output):
        self.output = output

    def remove(self):
        self._handle.remove()


class TableBuilder:
    """The teacher, the data and the views of a config, for building its
    table.

    Args:
        cfg (Config): A prepared distillation config (the teacher cache
            switched off).
        batch_size (int): Images per teacher forward.
    """

    def __init__(self, cfg, batch_size=256):
        init_default_scope(cfg.get('default_scope', 'reducekd'))
        pipeline, self.logits_module = check_cacheable(cfg)
        self.source = cache_source(cfg, self.logits_module)
        self.key = source_key(self.source)
        model_cfg = cfg.model.copy()
        model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
        self.model = MODELS.build(model_cfg).eval()
        self.teacher = self.model.teacher
        dataset_cfg = cfg.train_dataloader.dataset.copy()
        dataset_cfg.pipeline = []
        self.dataset = DATASETS.build(dataset_cfg)
        self.transforms = build_transforms(pipeline)
        self.batch_size = batch_size
        self.probe = _LogitsProbe(self.teacher.get_submodule(
            self.logits_module))

    @torch.no_grad()
    def logits_of(self, samples):
        """``(len(samples), views, classes)`` logits of dataset samples."""
        packed = [view for index in samples for view in every_view(
            self.transforms, self.dataset.get_data_info(index))]
        outputs = []
        for start in range(0, len(packed), self.batch_size):
            data = self.model.data_preprocessor(
                pseudo_collate(packed[start:start + self.batch_size]), True)
            self.teacher(data['inputs'], data['data_samples'], mode='tensor')
            outputs.append(self.probe.output.float().cpu())
        logits = torch.cat(outputs).numpy()
        return logits.reshape(len(samples), -1, logits.shape[-1])

    def table_shape(self):
        """``(samples, views, classes)`` of the table, from sample 0."""
        _, views, classes = self.logits_of([0]).shape
        return len(self.dataset), views, classes


def _check_storable(logits, dtype):
    if not np.isfinite(logits).all():
        raise NonFiniteError('teacher cache: the teacher returned non-finite '
                             'logits; check its checkpoint.')
    if dtype == 'fp16' and np.abs(logits).max() > FP16_MAX:
        raise NonFiniteError(
            f'teacher cache: logits up to {np.abs(logits).max():.4g} exceed '
            f'float16\'s range ({FP16_MAX:.0f}); build with --dtype fp32.')


def build_table(cfg, dtype='fp32', root=CACHE_ROOT, batch_size=256,
                chunk_size=CHUNK_SIZE, progress=True):
    """Build (or finish) the table of a config; every process of a launched
    job takes every ``world_size``-th chunk.

    Args:
        cfg (Config): A prepared distillation config.
        dtype (str): ``'fp32'`` (exact) or ``'fp16'``.
        root (str): Folder of the tables.
        batch_size (int): Images per teacher forward.
        chunk_size (int): Samples per chunk.
        progress (bool): Show a progress bar with ETA (rank 0).

    Returns:
        str: The finished table's folder (an existing table of the same
        source is kept as it is).
    """
    rank, world_size = get_dist_info()
    builder = TableBuilder(cfg, batch_size)
    directory = table_dir(root, builder.key, dtype)
    if is_table(directory) and read_meta(directory)['source'] == \
            builder.source:
        return directory
    shape = builder.table_shape()
    writer = TableWriter(directory, builder.source, shape, dtype, chunk_size,
                         create=rank == 0)
    barrier()
    writer.open()
    chunks = writer.pending_chunks(rank, world_size)
    bar = ProgressBar(len(chunks)) if progress and rank == 0 and chunks \
        else None
    start, images = time.perf_counter(), 0
    for chunk in chunks:
        logits = builder.logits_of(writer.samples_of(chunk))
        _check_storable(logits, dtype)
        writer.write(chunk, logits)
        images += logits.shape[0] * logits.shape[1]
        if bar:
            bar.update()
    seconds = time.perf_counter() - start
    builder.probe.remove()
    barrier()
    if rank == 0:
        writer.finish(dict(
            build_seconds=seconds, build_processes=world_size,
            teacher_images_per_second=images / seconds if images else None))
    barrier()
    return directory
