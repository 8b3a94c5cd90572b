"""tools/analysis/plot_curves.py: one panel per loss component + top-1."""
import os.path as osp
import sys

from conftest import REPO, python_tool, run
from reducekd.analysis.curves import curves_of, per_epoch_means
from reducekd.analysis.runs import read_scalars
from test_summarize import make_run

sys.path.insert(0, osp.join(REPO, 'tools', 'analysis'))
import plot_curves  # noqa: E402


def test_losses_are_averaged_per_epoch():
    records = [dict(lr=1, epoch=1, loss=4.0), dict(lr=1, epoch=1, loss=2.0),
               dict(lr=1, epoch=2, loss=1.0)]
    assert per_epoch_means(records, 'loss') == ([1, 2], [3.0, 1.0])


def test_figure_has_a_panel_per_loss_and_a_line_per_run(tmp_path):
    teacher = dict(loss=dict(loss=([1, 2], [2.0, 1.0])),
                   top1=([1, 2], [50.0, 70.0]))
    student = dict(loss=dict(loss=([1, 2], [3.0, 2.0]),
                             **{'distill.loss_kd': ([1, 2], [0.5, 0.2])}),
                   top1=([1, 2], [40.0, 60.0]))
    figure = plot_curves.plot([('teacher', teacher), ('student', student)],
                              title='t')
    titles = [axis.get_title() for axis in figure.axes]
    assert titles == ['training loss (mean per epoch)',
                      'training distill.loss_kd (mean per epoch)',
                      'validation top-1']
    lines = {axis.get_title(): [line.get_label() for line in axis.lines]
             for axis in figure.axes}
    assert lines['validation top-1'] == ['teacher', 'student']
    assert lines['training distill.loss_kd (mean per epoch)'] == ['student']
    top1 = figure.axes[2]
    assert top1.get_ylabel() == 'top-1 (%)' and top1.get_xlabel() == 'epoch'
    # a run keeps its colour in every panel
    colour = {axis.get_title(): {line.get_label(): line.get_color()
                                 for line in axis.lines}
              for axis in figure.axes}
    assert colour['validation top-1']['student'] == \
        colour['training distill.loss_kd (mean per epoch)']['student']


def test_tool_writes_a_png_in_the_order_of_its_arguments(tmp_path):
    second = make_run(tmp_path, 'b', 0, [10.0, 20.0, 30.0])
    first = make_run(tmp_path, 'a', 0, [5.0, 6.0, 7.0])
    assert curves_of(read_scalars(first))['top1'] == ([1, 2, 3],
                                                      [5.0, 6.0, 7.0])
    out = tmp_path / 'curves.png'
    run(python_tool('analysis/plot_curves.py', second, first, '--labels',
                    'B', 'A', '--out', out), cwd=REPO)
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    result = run(python_tool('analysis/plot_curves.py', second, '--labels',
                             'B', 'A', '--out', out), cwd=REPO, check=False)
    assert result.returncode == 2 and '2 labels for 1 runs' in result.stderr


def test_missing_dir_is_an_error(tmp_path):
    result = run(python_tool('analysis/plot_curves.py', tmp_path / 'nowhere',
                             '--out', tmp_path / 'x.png'), cwd=REPO,
                 check=False)
    assert result.returncode == 2 and 'no such directory' in result.stderr
