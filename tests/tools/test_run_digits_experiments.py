"""tools/run_digits_experiments.py: plan, runs, summary and curves."""
import csv

from conftest import REPO, python_tool, run


def test_dry_run_lists_every_run_with_progress(tmp_path):
    result = run(python_tool('run_digits_experiments.py', '--dry-run',
                             '--seeds', 0, 1, '--work-dir', tmp_path),
                 cwd=REPO)
    lines = result.stdout.splitlines()
    # logit KD: 1 teacher + 4 students x 2 seeds; ReduceNet: 2 seeds
    steps = [line for line in lines if line.startswith('[')]
    assert len(steps) == 11 and steps[0].startswith('[1/11] logit_kd')
    assert all('ETA' in line for line in steps)
    assert sum('reducenet_pipeline.py --seed' in line for line in lines) == 2
    assert sum('dist_test.sh' in line for line in lines) == 9
    assert not list(tmp_path.iterdir())  # nothing run


def test_logit_kd_smoke_run_writes_summary_and_curves(tmp_path):
    run(python_tool('run_digits_experiments.py', '--methods', 'logit_kd',
                    '--seeds', 0, '--epochs', 1, '--work-dir', tmp_path),
        cwd=REPO, timeout=900)
    rows = list(csv.DictReader((tmp_path / 'summary.csv').open()))
    assert sorted(row['name'] for row in rows) == sorted([
        'nin-bn_1xb16_digits', 'lenet_1xb16_digits',
        'logit-regression_lenet_from_nin-bn_1xb16_digits',
        'noisy-teacher_lenet_from_nin-bn_1xb16_digits',
        'kd_lenet_from_nin-bn_1xb16_digits'])
    # every run was tested through dist_test.sh --metrics-json
    assert all(row['test_top1_mean'] for row in rows)
    png = tmp_path / 'curves_logit_kd.png'
    assert png.read_bytes()[:4] == b'\x89PNG'
    # a rerun trains nothing again
    again = run(python_tool('run_digits_experiments.py', '--methods',
                            'logit_kd', '--seeds', 0, '--epochs', 1,
                            '--work-dir', tmp_path), cwd=REPO, timeout=900)
    assert again.stdout.count('not trained again') == 5
