"""Write the markdown report of ``tools/gpu_check.sh``.

    python tools/analysis/gpu_report.py --out-dir DIR --status install=0 ...

Reads ``DIR/tests.xml`` (pytest's JUnit file) and ``DIR/gpu_step_cost.json``
(the benchmark record) where they exist and writes ``DIR/report.md``: the GPU,
torch and CUDA versions, each step's exit status, the test counts with every
failure named, and every benchmark figure. Standard library only, so that it
reports also when the install step failed.
"""
import argparse
import json
import os.path as osp
import platform
import time
import xml.etree.ElementTree as ElementTree


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--status', nargs='*', default=[],
                        help='STEP=EXIT_CODE of each step of the check')
    return parser.parse_args(argv)


def machine_lines():
    """GPU name, torch and CUDA versions (or why they are unknown)."""
    try:
        import torch
    except ImportError as error:
        return [f'- torch: not importable ({error})']
    gpu = (torch.cuda.get_device_name(0) if torch.cuda.is_available()
           else 'none visible')
    return [f'- GPU: {gpu}', f'- torch: {torch.__version__}, CUDA '
            f'{torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}',
            f'- Python: {platform.python_version()}, host '
            f'{platform.node()}']


def test_lines(path):
    """Counts of the JUnit file and one line per failed or errored test."""
    if not osp.isfile(path):
        return ['- no test results (the test step did not run to its end)']
    suite = ElementTree.parse(path).getroot()
    suite = suite if suite.tag == 'testsuite' else suite.find('testsuite')
    counts = {key: int(suite.get(key, 0))
              for key in ('tests', 'failures', 'errors', 'skipped')}
    lines = ['- ' + ', '.join(f'{key} {value}'
                              for key, value in counts.items())]
    for case in suite.iter('testcase'):
        for kind in ('failure', 'error'):
            problem = case.find(kind)
            if problem is not None:
                message = (problem.get('message') or '').splitlines()[:1]
                lines.append(f'  - {kind}: `{case.get("name")}`: '
                             f'{" ".join(message)[:300]}')
    return lines


def benchmark_lines(path):
    """Every figure of the gpu_step_cost record."""
    if not osp.isfile(path):
        return ['- no benchmark record (the benchmark step failed)']
    with open(path) as f:
        results = json.load(f)['results']
    lines = [
        f'- reducekd `train_step` / bare PyTorch, images/s: '
        f'{results["throughput_ratio"]["median"]:.3f} (goal >= 0.90; '
        f'{results["student_images_per_s"]:.0f} vs '
        f'{results["bare_images_per_s"]:.0f} images/s)']
    for name, ratio in results['methods'].items():
        lines.append(f'- {name} step / student step: {ratio["median"]:.2f} '
                     f'(limit from MAdds {results["limit_madds"]:.2f})')
    for name, ratio in results.get('amp_speedup', {}).items():
        lines.append(f'- speed-up of {name.split("_")[1]} over fp32 '
                     f'(student step): {ratio["median"]:.2f}x')
    peaks = results.get('peak_memory_bytes', {})
    for name, ratio in results.get('peak_memory_ratio', {}).items():
        lines.append(f'- peak memory {name} / student: {ratio:.2f} '
                     f'({peaks[name] / 2**20:.0f} MiB vs '
                     f'{peaks["student"] / 2**20:.0f} MiB)')
    return lines


def main(argv=None):
    args = parse_args(argv)
    lines = [f'# reducekd GPU check, {time.strftime("%Y-%m-%d %H:%M %Z")}',
             '', *machine_lines(), '', '## Steps (exit status)', '']
    lines += [f'- {item}' for item in args.status]
    lines += ['', '## GPU tests (`pytest -m gpu tests/gpu`)', '',
              *test_lines(osp.join(args.out_dir, 'tests.xml')), '',
              '## Benchmark (`tools/benchmark/gpu_step_cost.py`, batch 128)',
              '', *benchmark_lines(osp.join(args.out_dir,
                                            'gpu_step_cost.json')), '']
    report = osp.join(args.out_dir, 'report.md')
    with open(report, 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
