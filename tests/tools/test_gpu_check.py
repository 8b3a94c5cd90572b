"""tools/gpu_check.sh's refusals on a machine without what it needs, and
the report it writes (tools/analysis/gpu_report.py) from the files of a
run, CUDA-only figures included."""
import json

import pytest
import torch

from conftest import REPO, python_tool, run


def test_missing_wheelhouse_is_named_with_the_command_that_builds_it(
        tmp_path):
    result = run(['sh', 'tools/gpu_check.sh', tmp_path / 'none', tmp_path],
                 cwd=REPO, check=False)
    assert result.returncode == 2
    assert 'make wheelhouse PY=3.12' in result.stderr


def test_without_cuda_the_check_stops_before_installing(tmp_path):
    if torch.cuda.is_available():
        pytest.skip('this machine has CUDA')
    result = run(['sh', 'tools/gpu_check.sh', tmp_path, tmp_path / 'out'],
                 cwd=REPO, check=False)
    assert result.returncode == 2
    assert 'no CUDA-enabled torch' in result.stderr
    assert not (tmp_path / 'out' / 'venv').exists()


JUNIT = '''<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="0"
 tests="3"><testcase classname="test_gpu" name="test_a"/>
<testcase classname="test_gpu" name="test_b[fp16]"><failure
 message="AssertionError: loss is nan">trace</failure></testcase>
<testcase classname="test_gpu" name="test_c"/></testsuite></testsuites>'''


def test_report_names_failures_and_every_figure(tmp_path):
    (tmp_path / 'tests.xml').write_text(JUNIT)
    ratio = dict(median=1.25, min=1.2, max=1.3, n=3)
    results = dict(
        throughput_ratio=dict(ratio, median=0.95), student_images_per_s=9000,
        bare_images_per_s=9474, limit_madds=1.51,
        methods=dict(reducenet=ratio, kd=dict(ratio, median=1.4)),
        amp_speedup=dict(student_fp16=dict(ratio, median=1.8)),
        peak_memory_bytes=dict(student=100 * 2**20, reducenet=150 * 2**20,
                               kd=160 * 2**20),
        peak_memory_ratio=dict(reducenet=1.5, kd=1.6))
    (tmp_path / 'gpu_step_cost.json').write_text(
        json.dumps(dict(results=results)))
    run(python_tool('analysis/gpu_report.py', '--out-dir', tmp_path,
                    '--status', 'install=0', 'tests=1', 'benchmark=0'),
        cwd=REPO)
    report = (tmp_path / 'report.md').read_text()
    assert '- tests=1' in report
    assert '- tests 3, failures 1, errors 0, skipped 0' in report
    assert '`test_b[fp16]`: AssertionError: loss is nan' in report
    assert 'images/s: 0.950 (goal >= 0.90; 9000 vs 9474' in report
    assert 'kd step / student step: 1.40 (limit from MAdds 1.51)' in report
    assert 'speed-up of fp16 over fp32 (student step): 1.80x' in report
    assert 'peak memory kd / student: 1.60 (160 MiB vs 100 MiB)' in report


def test_report_says_which_step_left_no_files(tmp_path):
    run(python_tool('analysis/gpu_report.py', '--out-dir', tmp_path,
                    '--status', 'install=1'), cwd=REPO)
    report = (tmp_path / 'report.md').read_text()
    assert 'no test results' in report and 'no benchmark record' in report
