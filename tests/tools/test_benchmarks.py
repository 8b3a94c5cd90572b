"""tools/benchmark: the timing helpers, and each script at a tiny size."""
import json
import os.path as osp
import sys

import pytest
import torch

from conftest import REPO, python_tool, run

sys.path.insert(0, osp.join(REPO, 'tools', 'benchmark'))
import _timing  # noqa: E402


def test_interleaving_alternates_the_order():
    assert _timing.interleaved_order(['a', 'b', 'c'], 0) == ['a', 'b', 'c']
    assert _timing.interleaved_order(['a', 'b', 'c'], 1) == ['c', 'b', 'a']


def test_warm_up_dropped_and_ratios_paired():
    calls = []
    durations = iter([9.0, 9.0, 1.0, 2.0, 3.0, 5.0, 2.0, 4.0])

    def kind(name):
        def measure():
            calls.append(name)
            return next(durations)
        return measure

    times = _timing.run_interleaved(dict(a=kind('a'), b=kind('b')), reps=3,
                                    warmup=1)
    # rep 0 (a, b) dropped; rep 1 runs b then a, rep 2 a then b, rep 3 b, a
    assert calls == ['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']
    assert times == dict(a=[2.0, 3.0, 4.0], b=[1.0, 5.0, 2.0])
    # per-repetition ratios a/b: 2, 0.6, 2 -> median 2
    assert _timing.ratio_summary(times['a'], times['b']) == dict(
        median=2.0, min=0.6, max=2.0, n=3)
    assert _timing.median([4.0, 1.0, 3.0, 2.0]) == 2.5


@pytest.mark.parametrize('script, figure, extra', [
    ('distill_cost.py', 'distill/student step:', []),
    ('throughput_vs_bare.py', 'reducekd/bare training throughput:', []),
    ('fused_latency.py', 'latency vs plain student:', []),
    ('process_scaling.py', '2 processes / 1 process training throughput:',
     []),
    # its CUDA-only parts (AMP, memory) run in tools/gpu_check.sh
    ('gpu_step_cost.py', 'gpu step cost: reducekd/bare',
     ['--device', 'cpu', '--steps', 1]),
])
def test_benchmark_prints_its_figure_last_and_writes_a_record(
        tmp_path, script, figure, extra):
    out = tmp_path / 'record.json'
    result = run(python_tool(f'benchmark/{script}', '--reps', 2, '--warmup',
                             1, '--batch-size', 2, '--threads', 1, '--out',
                             out, *extra), cwd=REPO)
    assert result.stdout.strip().splitlines()[-1].startswith(figure)
    assert 'ETA' in result.stderr
    record = json.loads(out.read_text())
    assert record['benchmark'] == script[:-3]
    assert record['machine']['nproc'] >= 1 and record['results']
    if script == 'distill_cost.py':
        # only Factor Transfer has connectors: its frozen paraphraser and
        # its translator, both on 64-channel 8x8 maps of the reduce20 pair
        methods = record['results']['methods']
        assert [name for name, m in methods.items()
                if 'limit_with_connectors' in m] == ['factor_transfer']
        assert methods['factor_transfer']['connector_inputs'] == dict(
            paraphraser=[2, 64, 8, 8], translator=[2, 64, 8, 8])
    if script == 'gpu_step_cost.py':
        results = record['results']
        assert set(results['methods']) == {'reducenet', 'kd'}
        assert results['limit_madds'] > 1 and results['amp_speedup'] == {}


def test_gpu_step_cost_without_cuda_names_the_cpu_switch(tmp_path):
    if torch.cuda.is_available():
        pytest.skip('this machine has CUDA')
    result = run(python_tool('benchmark/gpu_step_cost.py', '--out',
                             tmp_path / 'r.json'), cwd=REPO, check=False)
    assert result.returncode != 0
    assert 'CUDA is not available' in result.stderr
    assert '--device cpu' in result.stderr


def test_onnx_latency_times_the_three_reducenet_models(tmp_path):
    out, exported = tmp_path / 'record.json', tmp_path / 'onnx'
    exported.mkdir()
    result = run(python_tool('benchmark/onnx_latency.py', '--reps', 2,
                             '--warmup', 1, '--threads', 1, '--batch-sizes',
                             1, 3, '--export-dir', exported, '--out', out),
                 cwd=REPO)
    assert 'ETA' in result.stderr
    results = json.loads(out.read_text())['results']
    rows = result.stdout.strip().splitlines()[-3:]
    assert [row.split(' | ')[0] for row in rows] == [
        '| teacher', '| unfused student (LoRA)', '| fused student']
    costs = results['costs']
    # the plain ResNet-20 (w1) of ReduceNet's README: 272,474 parameters;
    # the LoRA branch (rank 8) adds to it, the teacher's bottleneck more
    assert costs['fused student']['params'] == 272474
    assert costs['teacher']['params'] > costs['unfused student (LoRA)'][
        'params'] > 272474
    assert set(results['seconds']) == {
        f'{name} @ batch {batch}' for name in costs for batch in (1, 3)}
    assert results['vs_reference']['teacher @ batch 3']['median'] == 1.0
    # the same files, given by name
    files = sorted(exported.glob('*.onnx'))
    assert len(files) == 3
    result = run(python_tool('benchmark/onnx_latency.py', '--reps', 1,
                             '--warmup', 0, '--threads', 1, '--batch-sizes',
                             2, '--onnx', f'a={files[0]}', '--onnx',
                             f'b={files[2]}', '--out', out), cwd=REPO)
    assert [row.split(' | ')[0] for row in
            result.stdout.strip().splitlines()[-2:]] == ['| a', '| b']


@pytest.mark.parametrize('option', [['--reps', 0], ['--threads', 0],
                                    ['--batch-sizes', 1, 0]])
def test_onnx_latency_refuses_impossible_settings(tmp_path, option):
    result = run(python_tool('benchmark/onnx_latency.py', *option, '--out',
                             tmp_path / 'r.json'), cwd=REPO, check=False)
    assert result.returncode == 2
    assert f'{option[0]} must be at least' in result.stderr
    assert not (tmp_path / 'r.json').exists()
