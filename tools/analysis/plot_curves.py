"""Training curves of several runs on one figure, as a PNG.

    python tools/analysis/plot_curves.py WORK_DIR... --out curves.png
        [--labels A B ...] [--title T]

One panel per loss component logged by any of the runs (``loss``, the
total; ``student.loss``, the student's cross-entropy; each ``distill.*``
loss), averaged per epoch, and a last panel with the validation top-1 per
epoch. One line per run, labelled by its work dir's name (or ``--labels``),
so a teacher and its students can be compared at a glance.
"""
import argparse
import os.path as osp
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from reducekd.analysis.curves import curves_of  # noqa: E402
from reducekd.analysis.runs import find_run_dirs, read_scalars  # noqa: E402


def plot(runs, title=''):
    """The figure of ``runs`` (``[(label, curves)]``, curves from
    :func:`reducekd.analysis.curves.curves_of`)."""
    keys = []
    for _, curves in runs:
        keys += [k for k in curves['loss'] if k not in keys]
    panels = len(keys) + 1
    columns = min(panels, 3)
    rows = -(-panels // columns)
    figure, axes = plt.subplots(rows, columns, squeeze=False,
                                figsize=(5 * columns, 3.6 * rows))
    axes = axes.ravel()
    colours = {label: f'C{i % 10}' for i, (label, _) in enumerate(runs)}
    for axis, key in zip(axes, keys):
        for label, curves in runs:
            if key in curves['loss']:
                axis.plot(*curves['loss'][key], label=label,
                          color=colours[label])
        axis.set(title=f'training {key} (mean per epoch)', xlabel='epoch',
                 ylabel='loss value')
        if key == 'loss':
            axis.set_yscale('log')
            axis.set_ylabel('loss value (log scale)')
    top1 = axes[len(keys)]
    for label, curves in runs:
        top1.plot(*curves['top1'], marker='.', label=label,
                  color=colours[label])
    top1.set(title='validation top-1', xlabel='epoch', ylabel='top-1 (%)')
    for axis in axes[panels:]:
        axis.remove()
    for axis in axes[:panels]:
        axis.grid(alpha=0.3)
        axis.legend(fontsize='small')
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dirs', nargs='+')
    parser.add_argument('--out', required=True, help='PNG file to write')
    parser.add_argument('--labels', nargs='+',
                        help='one label per run (default: work dir names)')
    parser.add_argument('--title', default='')
    args = parser.parse_args(argv)
    try:
        paths = find_run_dirs(args.work_dirs)
    except FileNotFoundError as error:
        parser.exit(2, f'error: {error}\n')
    labels = args.labels or [osp.basename(osp.normpath(p)) for p in paths]
    if len(labels) != len(paths):
        parser.exit(2, f'error: {len(labels)} labels for {len(paths)} runs '
                    f'({", ".join(paths)}).\n')
    runs = [(label, curves_of(read_scalars(path)))
            for label, path in zip(labels, paths)]
    plot(runs, args.title).savefig(args.out, dpi=110)
    print(args.out)


if __name__ == '__main__':
    main()
