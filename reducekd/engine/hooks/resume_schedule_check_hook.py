"""Refuse a ``--resume`` whose config changed the learning-rate schedule."""
from mmengine.hooks import Hook

from reducekd.registry import HOOKS

# What a scheduler's config decides, as opposed to its progress
# (``last_step``, ``base_values``, ...), under mmengine's attribute names.
SCHEDULE_SHAPE_KEYS = ('begin', 'end', 'T_max', 'eta_min', 'milestones',
                       'gamma', 'step_size', 'start_factor', 'end_factor',
                       'factor', 'power', 'by_epoch')


def _flatten(schedulers):
    """``[(label, scheduler)]`` of a list, or of a dict of lists, of
    schedulers (one list per optimizer)."""
    if isinstance(schedulers, dict):
        return [(f'{name}[{i}]', s) for name, group in schedulers.items()
                for i, s in enumerate(group)]
    return [(f'[{i}]', s) for i, s in enumerate(schedulers or [])]


def schedule_differences(current, saved_states):
    """Where the config's schedulers and a checkpoint's disagree.

    Args:
        current (list | dict): The Runner's schedulers, built from the
            config (converted to iterations where the config says so).
        saved_states (list | dict): ``checkpoint['param_schedulers']``.

    Returns:
        list[str]: One line per differing value, e.g.
        ``"param_scheduler[0] CosineAnnealingLR: T_max 96 in the checkpoint,
        144 in the config"``; empty when they agree.
    """
    saved = dict(_flatten(saved_states))
    lines = []
    labelled = _flatten(current)
    if len(labelled) != len(saved):
        return [f'param_scheduler: {len(saved)} scheduler(s) in the '
                f'checkpoint, {len(labelled)} in the config']
    for label, scheduler in labelled:
        state = saved[label]
        for key in SCHEDULE_SHAPE_KEYS:
            if key not in state or not hasattr(scheduler, key):
                continue
            now, before = getattr(scheduler, key), state[key]
            if key == 'milestones':
                now, before = sorted(now.elements()), sorted(
                    before.elements())
            if now != before:
                lines.append(
                    f'param_scheduler{label} {type(scheduler).__name__}: '
                    f'{key} {before} in the checkpoint, {now} in the config')
    return lines


@HOOKS.register_module()
class ResumeScheduleCheckHook(Hook):
    """Stop a resumed run whose config changed the schedule.

    On ``--resume`` mmengine loads the schedulers' state from the checkpoint,
    which overwrites what the config asks for: raising ``max_epochs`` and the
    cosine ``T_max`` and resuming a finished run keeps the old end silently
    (the learning rate then rises again). This hook compares the two before
    any training step and raises an error that names each difference.
    Loading weights with ``load_from`` (no resume) restarts the schedule and
    is not checked.
    """

    priority = 'VERY_HIGH'

    def after_load_checkpoint(self, runner, checkpoint) -> None:
        """Compare the config's schedulers with the resumed checkpoint's."""
        resuming = getattr(runner, '_resume', False)
        if not resuming or 'param_schedulers' not in checkpoint or \
                runner.param_schedulers is None:
            return
        differences = schedule_differences(runner.param_schedulers,
                                           checkpoint['param_schedulers'])
        if differences:
            raise ValueError(
                'Resuming would keep the checkpoint\'s learning-rate schedule '
                'and ignore the config\'s:\n  ' + '\n  '.join(differences) +
                '\nEither resume with the schedule the run was started with, '
                'or start a new run from these weights with --cfg-options '
                'load_from=CHECKPOINT (no --resume: the schedule restarts).')
