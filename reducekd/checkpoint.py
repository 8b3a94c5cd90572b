"""Safe and strict checkpoint loading.

On torch >= 2.6 ``torch.load`` unpickles only allow-listed globals
(``weights_only=True``). mmengine 0.10.7 loads its own checkpoints through
that path and fails on the types it wrote itself. :mod:`reducekd.compat`
allow-lists exactly those types and routes local files through
:func:`load_local_checkpoint`, so anything else a checkpoint tries to
unpickle is refused with a message that names it.

:func:`load_state_dict_strictly` is the one place reducekd loads weights into
a model that must match them exactly (a teacher, a stage-1 model): a missing
file or any missing, unexpected or mis-shaped key stops the run before
training starts.
"""
import os.path as osp
import pickle

import torch

from reducekd.errors import InputError


class CheckpointError(InputError, RuntimeError):
    """A checkpoint is missing, unsafe, or does not match its model."""


def load_local_checkpoint(filename, map_location=None):
    """Load a local checkpoint with ``weights_only=True``.

    Args:
        filename (str): Path of the checkpoint file.
        map_location: Passed to :func:`torch.load`.

    Returns:
        dict: The unpickled checkpoint.

    Raises:
        FileNotFoundError: The file does not exist.
        CheckpointError: The file pickles a global that is not allowed.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist.')
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError as error:
        try:
            names = torch.serialization.get_unsafe_globals_in_checkpoint(
                filename)
        except Exception:  # not a zip checkpoint: report torch's reason
            names = []
        listed = ', '.join(names) if names else str(error).splitlines()[0]
        raise CheckpointError(
            f'refused to load {filename}: it pickles {listed}, which an '
            'mmengine checkpoint never contains and which could run code '
            'when loaded. If you wrote this file and trust it, allow those '
            'names with torch.serialization.add_safe_globals([...]) before '
            'loading it.') from None


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
    from mmengine.runner.checkpoint import CheckpointLoader
    if not filename or not osp.isfile(osp.expanduser(str(filename))):
        raise CheckpointError(
            f'{what} checkpoint {filename!r} does not exist. Train the '
            f'{what} first or point the config at its checkpoint.')
    state = state_dict_of(CheckpointLoader.load_checkpoint(
        filename, map_location='cpu', logger='silent'))
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
