"""Which checkpoint ``--resume`` and ``--auto-resume`` continue from.

mmengine's own rule (``resume=True`` without ``load_from``: read the work
dir's ``last_checkpoint``, and when there is none, log one line and train
from scratch) turns a mistyped ``--work-dir`` into a silent fresh run, and
stops in torch's zip reader when the latest checkpoint was cut short. The
tools decide here instead, before anything is built, and hand mmengine the
chosen file as ``load_from``:

* ``--resume CKPT``: CKPT must be a complete checkpoint file; a directory or
  a damaged file is an error that names the checkpoint to use instead;
* ``--resume`` alone: the work dir's latest checkpoint, skipping (and naming)
  damaged ones for the previous complete one; no checkpoint at all is an
  error naming the directory;
* ``--auto-resume``: the same when the work dir has a checkpoint, else a
  fresh run, said on screen.
"""
import glob
import os
import os.path as osp
import re

from reducekd.checkpoint import checkpoint_damage
from reducekd.errors import ResumeError

#: The file in a work dir that mmengine's CheckpointHook points at the
#: checkpoint it saved last.
POINTER = 'last_checkpoint'

#: The names CheckpointHook gives checkpoints, with their step.
_NUMBERED = re.compile(r'(?:epoch|iter)_(\d+)\.pth')


def _is_uri(path):
    """Whether ``path`` names a remote file (``s3://...``), which mmengine's
    loaders read and which is not checked here."""
    return '://' in path


def _pointed_checkpoint(work_dir):
    """The existing file (or the URI) ``last_checkpoint`` names, or None."""
    pointer = osp.join(work_dir, POINTER)
    if not osp.isfile(pointer):
        return None
    with open(pointer) as file:
        named = file.read().strip()
    if not named or _is_uri(named):
        return named or None
    # the work dir's own file first: a copied or moved work dir still
    # points at the checkpoints of the original
    for path in (osp.join(work_dir, osp.basename(named)), named):
        if osp.isfile(path):
            return path
    return None


def saved_checkpoints(work_dir):
    """The checkpoints a run saved, latest first.

    The latest is the one ``last_checkpoint`` names; then come the
    ``epoch_N.pth`` / ``iter_N.pth`` files of its folder (the work dir when
    there is no pointer), highest N first.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        list[str]: Paths of checkpoint files; empty when there are none.
    """
    pointed = _pointed_checkpoint(work_dir)
    folder = osp.dirname(pointed) if pointed else work_dir
    numbered = []
    for path in glob.glob(osp.join(glob.escape(folder), '*.pth')):
        match = _NUMBERED.fullmatch(osp.basename(path))
        if match:
            numbered.append((int(match.group(1)), path))
    ordered = [pointed] if pointed else []
    for _, path in sorted(numbered, reverse=True):
        if not (pointed and osp.samefile(path, pointed)):
            ordered.append(path)
    return ordered


def _first_process():
    """Whether this is the process that speaks for a multi-process run."""
    rank = os.environ.get('RANK', os.environ.get('SLURM_PROCID', '0'))
    return rank == '0'


def _say(message):
    """Print a notice once per run (from the first process)."""
    if _first_process():
        print(message, flush=True)


def _latest_complete(checkpoints):
    """The first complete checkpoint, and the damaged ones before it."""
    skipped = []
    for path in checkpoints:
        damage = None if _is_uri(path) else checkpoint_damage(path)
        if damage is None:
            return path, skipped
        skipped.append((path, damage))
    return None, skipped


def explicit_checkpoint(path):
    """Check the file given to ``--resume CKPT``.

    Args:
        path (str): What the user gave; a URI (``s3://...``) is left to
            mmengine's loaders.

    Returns:
        str: ``path``, a complete checkpoint file.

    Raises:
        ResumeError: ``path`` is a directory, is missing, or is incomplete or
            damaged; the message names what to give instead.
    """
    if _is_uri(path):
        return path
    if osp.isdir(path):
        latest, _ = _latest_complete(saved_checkpoints(path))
        has = f'its latest complete checkpoint is {latest}: give that file ' \
            f'as --resume {latest}, or' if latest else \
            'it holds no checkpoint; to resume a run saved in it later,'
        raise ResumeError(
            f'--resume takes a checkpoint file, and {path} is a directory '
            f'({has} give the directory as the work dir: --work-dir {path} '
            '--resume, with no path after --resume).')
    if not osp.isfile(path):
        raise ResumeError(
            f'--resume {path}: no such checkpoint file. Give an existing '
            'checkpoint, or --work-dir DIR --resume for the latest one of a '
            'run.')
    damage = checkpoint_damage(path)
    if damage:
        latest, _ = _latest_complete(saved_checkpoints(osp.dirname(path)))
        instead = f' (the latest complete one beside it: --resume ' \
            f'{latest})' if latest else ''
        raise ResumeError(
            f'--resume {path}: the checkpoint {damage}, so the run cannot '
            f'continue from it. Resume from another checkpoint{instead}, or '
            'give its work dir with --work-dir DIR --resume, which skips '
            'damaged checkpoints.')
    return path


def latest_checkpoint(work_dir, fresh_if_none=False):
    """The checkpoint ``--resume`` (or ``--auto-resume``) continues from.

    Args:
        work_dir (str): The run's work dir.
        fresh_if_none (bool): ``--auto-resume``: when the work dir has no
            checkpoint, say so and return None instead of failing.

    Returns:
        str | None: The latest complete checkpoint; None for a fresh run.

    Raises:
        ResumeError: No checkpoint in ``work_dir`` (without
            ``fresh_if_none``), or none of its checkpoints is complete.
    """
    checkpoints = saved_checkpoints(work_dir)
    if not checkpoints:
        if fresh_if_none:
            _say(f'--auto-resume: {work_dir} holds no checkpoint yet; '
                'starting a fresh run.')
            return None
        missing = '' if osp.isdir(work_dir) else ' (it does not exist)'
        raise ResumeError(
            '--resume without a path continues the latest checkpoint of the '
            f'work dir, and {work_dir}{missing} holds none (no {POINTER} '
            'file, no epoch_N.pth or iter_N.pth). Check the --work-dir path, '
            'or start a fresh run without --resume, or use --auto-resume to '
            'resume when a checkpoint exists and start fresh otherwise.')
    latest, skipped = _latest_complete(checkpoints)
    if latest is None:
        listed = '; '.join(f'{path} {damage}' for path, damage in skipped)
        raise ResumeError(
            f'no checkpoint of {work_dir} is complete: {listed}. Start a '
            'fresh run without --resume, or resume from a copy of a good '
            'checkpoint with --resume CKPT.')
    for path, damage in skipped:
        _say(f'--resume: skipped {path}: it {damage}. Resuming from {latest}, '
            'the previous complete checkpoint.')
    return latest
