"""Safe, strict and atomic checkpoint files.

On torch >= 2.6 ``torch.load`` unpickles only allow-listed globals
(``weights_only=True``). mmengine 0.10.7 loads its own checkpoints through
that path and fails on the types it wrote itself. :mod:`reducekd.compat`
allow-lists exactly those types and routes local files through
:func:`load_local_checkpoint`, so anything else a checkpoint tries to
unpickle is refused with a message that names it, and a file cut short by an
interrupted save is named as incomplete instead of failing in torch's zip
reader.

:func:`load_state_dict_strictly` is the one place reducekd loads weights into
a model that must match them exactly (a teacher, a stage-1 model): a missing
file or any missing, unexpected or mis-shaped key stops the run before
training starts.

:class:`ReplacingFile` and :func:`save_atomically` write a file under a
temporary name beside it and rename it into place when complete, so a
process killed while saving never leaves a partial file under the
checkpoint's name; :mod:`reducekd.compat` gives mmengine's checkpoint writers
the same :func:`open_replacing`.
"""
import os
import os.path as osp
import pickle
import re
import secrets
import zipfile

import torch

from reducekd.errors import InputError


class CheckpointError(InputError, RuntimeError):
    """A checkpoint is missing, unsafe, incomplete or not of its model."""


#: The first bytes of a zip archive: the format ``torch.save`` writes.
_ZIP_SIGNATURE = b'PK\x03\x04'


def checkpoint_damage(filename):
    """Why a checkpoint file is incomplete or damaged, if it is.

    ``torch.save`` writes a zip archive whose directory comes last and whose
    members each carry a CRC-32 of their bytes, so a file cut short by an
    interrupted save or copy lacks the directory, and changed bytes fail
    their checksum. Files in torch's legacy (non-zip) format are not checked
    here.

    Args:
        filename (str): Path of an existing checkpoint file.

    Returns:
        str | None: What is wrong with the file, as a phrase that follows its
        name ("is empty", "is incomplete: ..."); None when nothing is.
    """
    size = osp.getsize(filename)
    if size == 0:
        return 'is empty'
    with open(filename, 'rb') as file:
        head = file.read(len(_ZIP_SIGNATURE))
    if not _ZIP_SIGNATURE.startswith(head):
        return None
    try:
        with zipfile.ZipFile(filename) as archive:
            bad_member = archive.testzip()
    except (zipfile.BadZipFile, EOFError):
        return (f'is incomplete: it ends after {size} bytes, before the zip '
                'directory that torch.save writes last')
    if bad_member is not None:
        return (f'is damaged: the bytes of its member {bad_member} do not '
                'match their checksum')
    return None


def _unsafe_content(filename, error):
    """What a refused pickle holds, named without unpickling it."""
    names = []
    if zipfile.is_zipfile(filename):
        try:
            names = torch.serialization.get_unsafe_globals_in_checkpoint(
                filename)
        except Exception:  # noqa: BLE001  (only used to word the error)
            names = []
    names = names or re.findall(r'GLOBAL (\S+)', str(error))
    if names:
        return f'the global{"s" if len(names) > 1 else ""} {", ".join(names)}'
    operand = re.search(r'Unsupported operand \d+', str(error))
    return "pickle instructions torch's safe loader does not accept" + (
        f' ({operand.group(0).lower()})' if operand else '')


def _refusal(filename, error):
    """The message for a checkpoint that pickles more than mmengine writes."""
    content = _unsafe_content(filename, error)
    if zipfile.is_zipfile(filename):
        return (f'refused to load {filename}: it pickles {content}, which an '
                'mmengine checkpoint never contains and which could run code '
                'when loaded. If you wrote this file and trust it, allow '
                'those names with torch.serialization.add_safe_globals([...])'
                ' before loading it.')
    return (f'refused to load {filename}: it is a pickle in the legacy '
            f'(non-zip) format and holds {content}, which could run code '
            'when loaded; nothing of it was run. To use its weights, re-save '
            'them in the current format from a trusted environment (the one '
            'that wrote the file): save its tensors with '
            "torch.save(state_dict, 'new.pth') and give the new file instead.")


def load_local_checkpoint(filename, map_location=None):
    """Load a local checkpoint with ``weights_only=True``.

    Args:
        filename (str): Path of the checkpoint file.
        map_location: Passed to :func:`torch.load`.

    Returns:
        dict: The unpickled checkpoint.

    Raises:
        FileNotFoundError: The file does not exist.
        CheckpointError: The file is incomplete or damaged, or pickles a
            global that is not allowed.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist.')
    damage = checkpoint_damage(filename)
    if damage:
        raise CheckpointError(
            f'checkpoint {filename} {damage}. An interrupted save or copy '
            '(or a failing disk) leaves such a file: use an earlier '
            'checkpoint, or write this one again.')
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(_refusal(filename, error)) from None


class ReplacingFile:
    """A file written under a temporary name that replaces ``path`` when
    closed, in one rename.

    Until :meth:`close`, ``path`` keeps its old content (or stays absent):
    a process killed while writing leaves only the temporary file
    (``.NAME.PID-TOKEN.part`` in the same folder). Leaving a ``with`` block
    on an exception discards the temporary file.

    Args:
        path (str): The file to write.
        mode (str): ``'wb'`` or ``'w'``.
        **kwargs: Passed to :func:`open` (``encoding`` ...).
    """

    def __init__(self, path, mode='wb', **kwargs):
        if not mode.startswith('w'):
            raise ValueError(f'ReplacingFile writes, got mode {mode!r}')
        self.path = osp.abspath(path)
        folder, name = osp.split(self.path)
        self.temporary = osp.join(
            folder, f'.{name}.{os.getpid()}-{secrets.token_hex(4)}.part')
        self._file = open(self.temporary, 'x' + mode[1:], **kwargs)

    def __getattr__(self, name):
        return getattr(self._file, name)

    def __enter__(self):
        return self

    def __exit__(self, error_type, error, traceback):
        if error_type is None:
            self.close()
        else:
            self.discard()

    def close(self):
        """Flush to disk and move the temporary file to ``path``."""
        if self._file.closed:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self.temporary, self.path)

    def discard(self):
        """Drop what was written; ``path`` stays as it was."""
        self._file.close()
        if osp.exists(self.temporary):
            os.remove(self.temporary)


def open_replacing(file, mode='r', **kwargs):
    """:func:`open`, except that a file opened for writing (``'w'``,
    ``'wb'``) is a :class:`ReplacingFile`."""
    if mode.startswith('w'):
        return ReplacingFile(file, mode, **kwargs)
    return open(file, mode, **kwargs)


def save_atomically(obj, path):
    """``torch.save(obj, path)`` through a :class:`ReplacingFile`.

    Args:
        obj: What to save (a checkpoint dict).
        path (str): Where; an existing file is replaced only once ``obj`` is
            completely written.
    """
    with ReplacingFile(path, 'wb') as file:
        torch.save(obj, file)


def state_dict_of(checkpoint):
    """The state dict inside an mmengine checkpoint (or a bare state dict)."""
    if isinstance(checkpoint, dict) and 'state_dict' in checkpoint:
        return checkpoint['state_dict']
    return checkpoint


def describe_mismatch(model_state, checkpoint_state, limit=10):
    """List how two state dicts differ: missing, unexpected, shape keys.

    Returns:
        str: One line per kind of difference; empty when they match.
    """
    missing = [k for k in model_state if k not in checkpoint_state]
    unexpected = [k for k in checkpoint_state if k not in model_state]
    shapes = [
        f'{k}: checkpoint {tuple(checkpoint_state[k].shape)} vs model '
        f'{tuple(model_state[k].shape)}' for k in model_state
        if k in checkpoint_state and hasattr(checkpoint_state[k], 'shape')
        and checkpoint_state[k].shape != model_state[k].shape
    ]
    lines = []
    for title, keys in (('missing keys', missing),
                        ('unexpected keys', unexpected),
                        ('shape mismatches', shapes)):
        if keys:
            more = f' ... and {len(keys) - limit} more' \
                if len(keys) > limit else ''
            lines.append(f'  {title} ({len(keys)}): '
                         f'{", ".join(keys[:limit])}{more}')
    return '\n'.join(lines)


def read_state_dict(filename, what='model'):
    """The state dict of an mmengine checkpoint file, on the CPU.

    Raises:
        CheckpointError: The file does not exist.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    if not filename or not osp.isfile(osp.expanduser(str(filename))):
        raise CheckpointError(
            f'{what} checkpoint {filename!r} does not exist. Train the '
            f'{what} first or point the config at its checkpoint.')
    return state_dict_of(CheckpointLoader.load_checkpoint(
        filename, map_location='cpu', logger='silent'))


def load_state_dict_strictly(model, filename, what='model', hint=''):
    """Load ``filename`` into ``model``; every key and shape must match.

    Args:
        model (nn.Module): The model to fill.
        filename (str): An mmengine checkpoint or a saved state dict.
        what (str): What the model is, for the error (e.g. ``'teacher'``).
        hint (str): A sentence on how to fix a mismatch.

    Raises:
        CheckpointError: The file is missing or does not match the model.
    """
    state = read_state_dict(filename, what)
    problems = describe_mismatch(model.state_dict(), state)
    if problems:
        raise CheckpointError(
            f'{what} checkpoint {filename} does not match the {what} '
            f'({type(model).__name__}):\n{problems}\n{hint}'.rstrip())
    model.load_state_dict(state, strict=True)


#: Prefix of the student's weights in a distillation checkpoint.
STUDENT_PREFIX = 'architecture.'


def student_state_dict(state_dict):
    """The student's weights of a distillation state dict, unprefixed.

    Raises:
        CheckpointError: The state dict has no ``architecture.*`` keys.
    """
    student = {key[len(STUDENT_PREFIX):]: value
               for key, value in state_dict.items()
               if key.startswith(STUDENT_PREFIX)}
    if not student:
        raise CheckpointError(
            f"no '{STUDENT_PREFIX}*' keys: not a distillation checkpoint (its "
            f'keys start with {sorted({k.split(".")[0] for k in state_dict})}).')
    return student
