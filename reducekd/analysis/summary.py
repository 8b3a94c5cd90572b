"""One results table over finished runs, seeds aggregated.

Runs whose configs differ only in ``randomness.seed`` (and in where the run
was written) form one row: every number is given as mean ± sample standard
deviation over them (``n`` says how many). Two groups from configs of the
same name are told apart by the settings they differ in. Unfinished runs
never enter a mean; they are listed apart.
"""
import csv
import json
import statistics

from reducekd.complexity import (build_in_scope, human, measure,
                                 referenced_model)
from reducekd.runner import ALWAYS_ON_HOOKS

#: Config keys that say where and how a run was launched, not what it
#: trained: they never split a group.
BOOKKEEPING_KEYS = ('randomness', 'work_dir', 'launcher', 'resume',
                    'load_from')


def flat_settings(cfg):
    """``{'optim_wrapper.optimizer.lr': '0.01', ...}``: the config's values
    (as JSON) by dotted key, leaving out bookkeeping keys, the hooks every
    run gets (:data:`reducekd.runner.ALWAYS_ON_HOOKS`), and checkpoint
    paths (a teacher or init checkpoint is typically one per seed)."""
    flat = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f'{prefix}{key}.', inner)
        elif not (isinstance(value, str) and value.endswith('.pth')):
            flat[prefix[:-1]] = json.dumps(value, sort_keys=True,
                                           default=str)
    settings = {k: v for k, v in cfg.to_dict().items()
                if k not in BOOKKEEPING_KEYS}
    settings['custom_hooks'] = [
        hook for hook in settings.get('custom_hooks', [])
        if str(hook.get('type')).replace('reducekd.', '')
        not in ALWAYS_ON_HOOKS]
    walk('', settings)
    return flat


#: Longest setting value written into a row label; longer ones (block
#: lists, paths) are left to the work dir shown instead.
LABEL_VALUE_CHARS = 24


def group_runs(runs):
    """``[(label, runs)]``: runs with equal settings pooled, in the order
    found. The label is the config name, followed by the short settings
    that tell it from other groups of the same name, and by the first run's
    work dir when that is not enough."""
    groups = {}
    for run in runs:
        settings = flat_settings(run['config'])
        key = (run['name'], json.dumps(settings, sort_keys=True))
        groups.setdefault(key, (settings, []))[1].append(run)
    labelled = []
    for (name, _), (settings, members) in groups.items():
        others = [s for (n, _), (s, _) in groups.items()
                  if n == name and s is not settings]
        differing = sorted({key for other in others
                            for key in set(settings) | set(other)
                            if settings.get(key) != other.get(key)})
        label = name + ''.join(
            f' {key}={settings.get(key, "-")}' for key in differing
            if len(settings.get(key, '-')) <= LABEL_VALUE_CHARS)
        labelled.append((label, members))
    counts = [label for label, _ in labelled]
    return [(label if counts.count(label) == 1 else
             f'{label} [{members[0]["work_dir"]}]', members)
            for label, members in labelled]


def model_name(model_cfg):
    """A short readable name of a model config, e.g. ``ReduceResNet-20 w1
    e1`` or ``LeNetCIFAR``; a model given by reference (mmrazor's zoo) is
    named from its file."""
    inner, _ = referenced_model(model_cfg.get('architecture', model_cfg))
    backbone = inner.get('backbone', inner)
    name = str(backbone.get('type', inner.get('type')))
    if backbone.get('depth') is not None:
        name += f'-{backbone["depth"]}'
    for key, short in (('width', 'w'), ('widen_factor', 'w'),
                       ('base_channels', 'c'), ('expansion', 'e')):
        if backbone.get(key) is not None:
            name += f' {short}{backbone[key]}'
    return name


def roles(cfg):
    """``(method, teacher name or None, student model config or None)``.

    A run with a teacher and no student (a connector pretraining stage such
    as Factor Transfer's paraphraser) has no student config.
    """
    model = cfg.model
    if 'teacher' not in model:
        return 'trained alone', None, model
    distiller = model.get('distiller', {})
    losses = distiller.get('losses', distiller.get('distill_losses', {}))
    kinds = sorted({loss['type'] for loss in losses.values()})
    method = model['type'] + (f' ({", ".join(kinds)})' if kinds else '')
    return method, model_name(model['teacher']), model.get('architecture')


def _mean_std(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None, 0
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.fmean(values), std, len(values)


def aggregate(runs, cost_of=None):
    """Rows of the table, one per group of equal settings (seeds pooled).

    Args:
        runs (list[dict]): From :func:`reducekd.analysis.runs.read_run`.
        cost_of (callable, optional): ``student model config -> dict(params,
            madds)``; defaults to building the model and measuring it with
            mmengine.

    Returns:
        tuple[list[dict], list[dict]]: The aggregated rows of finished runs,
        and the unfinished runs.
    """
    cost_of = cost_of or (lambda cfg: measure(build_in_scope(cfg)))
    finished = [run for run in runs if run['finished']]
    unfinished = [run for run in runs if not run['finished']]
    rows = []
    for name, group in group_runs(finished):
        method, teacher, student_cfg = roles(group[0]['config'])
        cost = cost_of(student_cfg) if student_cfg else dict(params=None,
                                                              madds=None)
        row = dict(name=name, method=method, teacher=teacher or '—',
                   student=model_name(student_cfg) if student_cfg else '—',
                   seeds=sorted(str(run['seed']) for run in group),
                   epochs=group[0]['max_epochs'], **cost)
        for key in ('best_top1', 'last_top1', 'test_top1', 'wall_s'):
            row[key] = _mean_std([run[key] for run in group])
        rows.append(row)
    return rows, unfinished


def _cell(stat, digits=2):
    mean, std, n = stat
    if mean is None:
        return '—'
    return f'{mean:.{digits}f}' if n == 1 else \
        f'{mean:.{digits}f} ± {std:.{digits}f}'


def _count(number):
    return '—' if number is None else human(number)


def markdown(rows, unfinished=()):
    """The Markdown table (and a list of unfinished runs)."""
    lines = [
        '| run | method | teacher | student | params | MAdds | best top-1 '
        '(val, %) | last top-1 (val, %) | test top-1 (%) | epochs | '
        'wall time (min) | seeds (n) |',
        '|' + '---|' * 12]
    for row in rows:
        minutes = tuple(None if v is None else v / 60 for v in
                        row['wall_s'][:2]) + row['wall_s'][2:]
        lines.append(
            f'| {row["name"]} | {row["method"]} | {row["teacher"]} | '
            f'{row["student"]} | {_count(row["params"])} | '
            f'{_count(row["madds"])} | {_cell(row["best_top1"])} | '
            f'{_cell(row["last_top1"])} | {_cell(row["test_top1"])} | '
            f'{row["epochs"]} | {_cell(minutes, 1)} | '
            f'{", ".join(row["seeds"])} ({len(row["seeds"])}) |')
    if unfinished:
        lines += ['', 'Unfinished (not in the table):', '']
        lines += [f'- {run["work_dir"]}: epoch {run["epochs"]} of '
                  f'{run["max_epochs"]}' for run in unfinished]
    return '\n'.join(lines) + '\n'


CSV_FIELDS = ('name', 'method', 'teacher', 'student', 'params', 'madds',
              'best_top1_mean', 'best_top1_std', 'last_top1_mean',
              'last_top1_std', 'test_top1_mean', 'test_top1_std', 'epochs',
              'wall_s_mean', 'n', 'seeds')


def write_csv(rows, path):
    """The aggregated rows as CSV, mean and std in separate columns."""
    with open(path, 'w', newline='') as file:
        writer = csv.DictWriter(file, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for row in rows:
            flat = {key: row[key] for key in CSV_FIELDS if key in row}
            for key in ('best_top1', 'last_top1', 'test_top1'):
                flat[f'{key}_mean'], flat[f'{key}_std'], _ = row[key]
            flat['wall_s_mean'] = row['wall_s'][0]
            flat['n'] = len(row['seeds'])
            flat['seeds'] = ' '.join(row['seeds'])
            writer.writerow(flat)
