"""tools/analysis/summarize.py over hand-made work dirs."""
import csv
import json

import pytest

from conftest import REPO, python_tool, run, tiny_config
from reducekd.analysis.runs import find_run_dirs, read_run
from reducekd.analysis.summary import aggregate, markdown


def make_run(root, name, seed, top1s, max_epochs=3, test_top1=None,
             log_times=('2026/11/23 10:00:00', '2026/11/23 10:02:30'),
             extra='', folder=None):
    """A work dir as mmengine leaves it: dumped config, log, scalars."""
    work = root / (folder or f'{name}_seed{seed}')
    launch = work / '20261123_100000'
    (launch / 'vis_data').mkdir(parents=True)
    config = open(tiny_config('tiny_teacher_digits.py')).read()
    config = config.replace("'../../../configs/", f"'{REPO}/configs/")
    config += (f'\nrandomness = dict(seed={seed})\n'
               f'train_cfg = dict(by_epoch=True, max_epochs={max_epochs}, '
               'val_interval=1)\n' + extra)
    (work / f'{name}.py').write_text(config)
    records = []
    for epoch, top1 in enumerate(top1s, 1):
        records.append(dict(lr=0.1, loss=1.0 / epoch, epoch=epoch,
                            iter=4 * epoch, step=4 * epoch))
        records.append({'accuracy/top1': top1, 'step': epoch})
    (launch / 'vis_data' / 'scalars.json').write_text(
        ''.join(json.dumps(r) + '\n' for r in records))
    (launch / '20261123_100000.log').write_text(''.join(
        f'{t} - mmengine - INFO - line\n' for t in log_times))
    if test_top1 is not None:
        (work / 'metrics.json').write_text(
            json.dumps({'accuracy/top1': test_top1}))
    return work


def fake_cost(_):
    return dict(params=1234, madds=5_600_000)


def test_seeds_are_pooled_as_mean_and_sample_std(tmp_path):
    # last validation top-1 90, 92, 97: mean 93, sample std
    # sqrt((9 + 1 + 16) / 2) = sqrt(13) = 3.6056
    for seed, last in ((0, 90.0), (1, 92.0), (2, 97.0)):
        make_run(tmp_path, 'tiny', seed, [50.0, 99.0, last],
                 test_top1=last - 1)
    runs = [read_run(path) for path in find_run_dirs([tmp_path])]
    rows, unfinished = aggregate(runs, cost_of=fake_cost)
    assert unfinished == []
    (row, ) = rows
    assert row['seeds'] == ['0', '1', '2']
    mean, std, n = row['last_top1']
    assert (mean, n) == (pytest.approx(93.0), 3)
    assert std == pytest.approx(13 ** 0.5)
    assert row['best_top1'][:2] == (pytest.approx(99.0), pytest.approx(0.0))
    assert row['test_top1'][0] == pytest.approx(92.0)
    assert row['wall_s'][0] == pytest.approx(150.0)  # 10:00:00 -> 10:02:30
    line = markdown(rows).splitlines()[2]
    assert '| 93.00 ± 3.61 |' in line and '| 92.00 ± 3.61 |' in line
    assert '| 2.5 ± 0.0 |' in line and '0, 1, 2 (3)' in line
    assert 'trained alone' in line and '1.23K' in line and '5.60M' in line


def test_a_run_with_a_teacher_and_no_student_has_no_student_cost(tmp_path):
    # a connector pretraining stage (Factor Transfer's paraphraser): its
    # model is the teacher plus connectors, nothing to measure as a student
    make_run(tmp_path, 'pretrain', 0, [90.0], max_epochs=1, extra='''
model = dict(type='FactorTransferPretrain', teacher=model, distiller=dict(
    type='ConfigurableDistiller', distill_losses=dict(
        loss_recon=dict(type='ReconstructionLoss', p=1))))
''')
    runs = [read_run(path) for path in find_run_dirs([tmp_path])]
    measured = []
    rows, _ = aggregate(runs, cost_of=lambda cfg: measured.append(cfg))
    (row, ) = rows
    assert measured == []
    assert row['method'] == 'FactorTransferPretrain (ReconstructionLoss)'
    assert row['student'] == '—' and row['teacher'] != '—'
    assert '| — | — | — |' in markdown(rows)


def test_unfinished_runs_are_listed_not_averaged(tmp_path):
    make_run(tmp_path, 'tiny', 0, [10.0, 20.0, 30.0])
    cut = make_run(tmp_path, 'tiny', 1, [80.0])  # stopped after epoch 1
    runs = [read_run(path) for path in find_run_dirs([tmp_path])]
    rows, unfinished = aggregate(runs, cost_of=fake_cost)
    assert rows[0]['last_top1'][0] == pytest.approx(30.0)
    assert [run['work_dir'] for run in unfinished] == [str(cut)]
    assert f'- {cut}: epoch 1 of 3' in markdown(rows, unfinished)


def test_tool_writes_markdown_and_csv_with_measured_costs(tmp_path):
    runs = tmp_path / 'runs'
    for seed, last in ((0, 40.0), (1, 60.0)):
        make_run(runs, 'tiny', seed, [last], max_epochs=1)
    md, table = tmp_path / 't.md', tmp_path / 't.csv'
    result = run(python_tool('analysis/summarize.py', runs, '--out-md', md,
                             '--out-csv', table), cwd=REPO)
    assert md.read_text() in result.stdout
    (row, ) = list(csv.DictReader(table.open()))
    assert float(row['last_top1_mean']) == pytest.approx(50.0)
    assert float(row['last_top1_std']) == pytest.approx(200 ** 0.5)
    assert row['n'] == '2' and row['seeds'] == '0 1'
    # the tiny config's ResNet_CIFAR-18 with 4 base channels, measured by
    # mmengine on the built model: more than the head's 330 parameters
    assert int(row['params']) > 330 and int(row['madds']) > 0


def test_a_dir_without_runs_is_an_error_naming_it(tmp_path):
    result = run(python_tool('analysis/summarize.py', tmp_path), cwd=REPO,
                 check=False)
    assert result.returncode == 2
    assert str(tmp_path) in result.stderr and 'no training run' in \
        result.stderr


def test_a_rerun_from_scratch_replaces_the_earlier_launch(tmp_path):
    work = make_run(tmp_path, 'tiny', 0, [10.0, 20.0, 30.0])
    launch = work / '20261123_120000'
    (launch / 'vis_data').mkdir(parents=True)
    records = [dict(lr=0.1, loss=1.0, epoch=e, iter=e, step=e) for e in
               (1, 2, 3)] + [{'accuracy/top1': 80.0, 'step': 3}]
    (launch / 'vis_data' / 'scalars.json').write_text(
        ''.join(json.dumps(r) + '\n' for r in records))
    (launch / '20261123_120000.log').write_text(
        '2026/11/23 12:00:00 - mmengine - INFO - a\n'
        '2026/11/23 12:01:00 - mmengine - INFO - b\n')
    result = read_run(work)
    assert (result['best_top1'], result['last_top1']) == (80.0, 80.0)
    assert result['wall_s'] == 60.0
    # a resumed launch (first epoch 3) continues the fresh one instead
    resumed = work / '20261123_130000'
    (resumed / 'vis_data').mkdir(parents=True)
    (resumed / 'vis_data' / 'scalars.json').write_text(
        json.dumps(dict(lr=0.1, loss=1.0, epoch=3, iter=3, step=3)) + '\n' +
        json.dumps({'accuracy/top1': 85.0, 'step': 3}) + '\n')
    result = read_run(work)
    assert (result['best_top1'], result['last_top1']) == (85.0, 85.0)


def test_same_config_name_with_other_settings_is_another_row(tmp_path):
    lr = "optim_wrapper = dict(optimizer=dict(type='SGD', lr={}))\n"
    for seed, last in ((0, 90.0), (1, 94.0)):
        make_run(tmp_path, 'kd', seed, [last], max_epochs=1,
                 extra=lr.format(0.1), folder=f'kd_seed{seed}')
        make_run(tmp_path, 'kd', seed, [last - 10], max_epochs=1,
                 extra=lr.format(0.01), folder=f'kd_lr_seed{seed}')
    runs = [read_run(path) for path in find_run_dirs([tmp_path])]
    rows, _ = aggregate(runs, cost_of=fake_cost)
    by_label = {row['name'].split(' [')[0]: row for row in rows}
    assert sorted(by_label) == ['kd optim_wrapper.optimizer.lr=0.01',
                                'kd optim_wrapper.optimizer.lr=0.1']
    assert by_label['kd optim_wrapper.optimizer.lr=0.1']['last_top1'][0] \
        == pytest.approx(92.0)
    assert by_label['kd optim_wrapper.optimizer.lr=0.01']['last_top1'][0] \
        == pytest.approx(82.0)
    assert all(row['seeds'] == ['0', '1'] for row in rows)


def test_zoo_models_given_by_reference_are_named_and_measured(tmp_path):
    # mmrazor's zoo names its models by file: dict(cfg_path=..., ...)
    from reducekd.analysis.summary import roles
    from reducekd.complexity import build_in_scope, measure
    teacher = dict(cfg_path='mmpretrain::resnet/resnet34_8xb32_in1k.py',
                   pretrained=False)
    student = dict(cfg_path='mmpretrain::resnet/resnet18_8xb32_in1k.py',
                   pretrained=False)
    extra = (f'model = dict(_delete_=True, type="SingleTeacherDistill", '
             f'teacher={teacher!r}, architecture={student!r}, '
             'distiller=dict(type="ConfigurableDistiller", distill_losses='
             'dict(loss_kl=dict(type="KLDivergence"))))\n')
    make_run(tmp_path, 'zoo_kd', 0, [50.0], max_epochs=1, extra=extra)
    (run_, ) = [read_run(path) for path in find_run_dirs([tmp_path])]
    method, teacher_name, student_cfg = roles(run_['config'])
    assert (method, teacher_name) == (
        'SingleTeacherDistill (KLDivergence)', 'ResNet-34')
    (row, ), _ = aggregate([run_])
    assert row['student'] == 'ResNet-18'
    # ResNet-18 of torchvision's ImageNet layout: 11,689,512 parameters
    assert row['params'] == 11_689_512
    assert measure(build_in_scope(student))['params'] == 11_689_512
