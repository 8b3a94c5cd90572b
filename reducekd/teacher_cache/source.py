"""What a teacher-output table is built from, and how two sources differ.

A table is valid for a training run only when the run would give the teacher
the very same inputs and weights: the same teacher checkpoint (by content),
teacher architecture, training dataset, training pipeline (the views) and
data preprocessor (normalisation), read at the same module. These make the
table's *source*, stored with it (``meta.json``) and hashed into its name.
The student, the losses and the schedule are not part of it: one table
serves every student, seed and loss weight distilled from that teacher.
"""
import copy
import hashlib
import json
import os.path as osp

from mmengine.config import ConfigDict

from reducekd.checkpoint import CheckpointError

#: The fields of a source, in the order a difference is reported.
FIELDS = ('teacher_checkpoint_sha256', 'teacher', 'dataset', 'pipeline',
          'data_preprocessor', 'logits_module')


def file_sha256(path):
    """SHA-256 of a file's content, hex."""
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        for block in iter(lambda: file.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _plain(value):
    """A config value as plain JSON data (tuples as lists, dicts sorted)."""
    if isinstance(value, (dict, ConfigDict)):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def data_preprocessor_of(cfg):
    """The data preprocessor config the runner gives the model."""
    return cfg.model.get('data_preprocessor') or cfg.get('data_preprocessor')


def cache_source(cfg, logits_module):
    """The source of the table a config's training run would need.

    Args:
        cfg (Config): A distillation config (``model.teacher``,
            ``model.teacher_ckpt``, ``train_dataloader``).
        logits_module (str): The teacher module whose output is tabulated.

    Returns:
        dict: The source fields (see :data:`FIELDS`) and, for the record,
        ``teacher_checkpoint`` (the path).

    Raises:
        CheckpointError: The teacher checkpoint is not a file.
    """
    checkpoint = cfg.model.get('teacher_ckpt')
    if not checkpoint or not osp.isfile(osp.expanduser(str(checkpoint))):
        raise CheckpointError(
            f'teacher cache: teacher checkpoint {checkpoint!r} does not '
            'exist. Train the teacher first or point model.teacher_ckpt at '
            'its checkpoint.')
    dataset = copy.deepcopy(cfg.train_dataloader.dataset)
    pipeline = dataset.pop('pipeline', [])
    return dict(
        teacher_checkpoint=str(checkpoint),
        teacher_checkpoint_sha256=file_sha256(osp.expanduser(checkpoint)),
        teacher=_plain(cfg.model.teacher),
        dataset=_plain(dataset),
        pipeline=_plain(pipeline),
        data_preprocessor=_plain(data_preprocessor_of(cfg)),
        logits_module=logits_module)


def source_key(source):
    """A short hash naming the table of ``source`` (16 hex digits)."""
    text = json.dumps({field: source[field] for field in FIELDS},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def source_differences(built, wanted):
    """The fields in which a table's source differs from a run's.

    Returns:
        list[str]: One line per differing field, both values shown.
    """
    lines = []
    for field in FIELDS:
        if built.get(field) != wanted.get(field):
            shown = {'teacher_checkpoint_sha256': lambda s: (
                f"{s.get('teacher_checkpoint')} "
                f"(sha256 {str(s.get(field))[:12]})")}.get(
                    field, lambda s: json.dumps(s.get(field)))
            lines.append(f'  {field}: table {shown(built)}, '
                         f'config {shown(wanted)}')
    return lines
