"""onnxruntime CPU latency of the ReduceNet teacher and its students.

Three digits models of ReduceNet (https://github.com/ohmydroid/reducenet),
exported to ONNX with a symbolic batch and timed in one process, interleaved
(onnxruntime CPU, a fixed number of intra-op threads, one inter-op thread):

- teacher: ``configs/reducenet/reduce20-w1-e1-teacher_1xb64_digits.py``,
  the ResNet-20 whose blocks carry the widened bottleneck branch;
- unfused student: ``configs/reducenet/reduce20-w1-student_1xb64_digits.py``
  with the LoRA branch of the stage-2 ``reducenet-lora_*`` config
  (LambdaReLU at 1, i.e. linear, as at the end of training);
- fused student: that student after ``reparameterize_model``, the plain
  ResNet-20.

Each is timed at batch 1 and 32 (``--batch-sizes``) on a batch of random
pixel values; weights are random too (latency does not depend on their
values), with the LoRA up-projections non-zero so fusing changes kernels.
The table gives each model's parameters and MAdds (PyTorch, one 32x32
image) beside its median latency and its per-repetition ratio to the
teacher. ``--onnx NAME=FILE`` times given ONNX files instead (the pipeline
of ``make demo`` passes its exported teacher and student).

Example::

    python tools/benchmark/onnx_latency.py --threads 1
"""
import argparse
import os.path as osp
import sys
import tempfile

import numpy as np
import torch

import _models
import _timing
from reducekd.complexity import human, measure
from reducekd.deployment.deployable import (DeployableClassifier,
                                            build_preprocessor)
from reducekd.deployment.onnx_check import input_dtype, ort_session
from reducekd.deployment.onnx_export import (export_onnx,
                                             require_deploy_packages,
                                             save_onnx)
from reducekd.models.utils import reparameterize_model

TEACHER = 'configs/reducenet/reduce20-w1-e1-teacher_1xb64_digits.py'
#: Built with the LoRA branch of the stage-2 ``reducenet-lora_*`` config
#: (``_models.LORA``), the stage-2 student.
STUDENT = 'configs/reducenet/reduce20-w1-student_1xb64_digits.py'
IMAGE = (3, 32, 32)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--reps', type=int, default=50,
                        help='measured repetitions (default %(default)s)')
    parser.add_argument('--warmup', type=int, default=5,
                        help='repetitions dropped first (default %(default)s)')
    # one thread: on a shared 2-vCPU machine two threads spread batch-32
    # timings over a factor of 3 (min to median); one keeps them within 5%
    parser.add_argument('--threads', type=int, default=1,
                        help='onnxruntime intra-op threads (default '
                        '%(default)s)')
    parser.add_argument('--out', default=osp.join(_timing.DEFAULT_DIR,
                                                  'onnx_latency.json'),
                        help='JSON record (default %(default)s)')
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 32],
                        help='batch sizes to time (default %(default)s)')
    parser.add_argument('--onnx', action='append', default=[],
                        metavar='NAME=FILE',
                        help='time this ONNX file instead of the default '
                        'three (repeatable)')
    parser.add_argument('--export-dir', help='keep the exported files here '
                        '(default: a temporary folder)')
    args = parser.parse_args(argv)
    for option, value, least in (('--reps', args.reps, 1),
                                 ('--warmup', args.warmup, 0),
                                 ('--threads', args.threads, 1),
                                 ('--batch-sizes', min(args.batch_sizes), 1)):
        if value < least:
            parser.error(f'{option} must be at least {least}, got {value}')
    return args


def reducenet_models():
    """``{name: (deployable module, params, MAdds)}`` of the three models."""
    preprocessor = build_preprocessor(_models.load_config(STUDENT))
    teacher = _models.build_classifier(TEACHER).eval()
    unfused = _models.linear_lora_student(STUDENT)
    fused = reparameterize_model(unfused)
    models = {}
    for name, network in (('teacher', teacher),
                          ('unfused student (LoRA)', unfused),
                          ('fused student', fused)):
        cost = measure(network, IMAGE)
        models[name] = (DeployableClassifier(network, preprocessor).eval(),
                        cost['params'], cost['madds'])
    return models


def export_all(models, folder):
    """Export every model with a symbolic batch; ``{name: path}``."""
    paths = {}
    example = torch.rand(2, *IMAGE) * 255
    for index, (name, (module, _, _)) in enumerate(models.items()):
        paths[name] = osp.join(folder, f'model{index}.onnx')
        save_onnx(export_onnx(module, example, dynamic_batch=True),
                  paths[name])
    return paths


def given_files(pairs):
    """``--onnx NAME=FILE`` arguments as ``{name: path}``."""
    files = {}
    for pair in pairs:
        name, sep, path = pair.partition('=')
        if not sep or not osp.isfile(path):
            sys.exit(f'--onnx {pair}: give NAME=FILE with an existing file')
        files[name] = path
    return files


def session_timer(session, batch_size):
    """A timed ``session.run`` on a fixed batch of random pixel values."""
    name = session.get_inputs()[0].name
    images = (np.random.default_rng(0).random(
        (batch_size, *IMAGE)) * 255).astype(input_dtype(session))
    return _timing.timed(lambda: session.run(None, {name: images}))


def table(names, costs, times, batch_sizes, reference):
    """The markdown table: cost, median ms per batch, ratio to
    ``reference`` per batch size."""
    head = ['model'] + (['params', 'MAdds'] if costs else [])
    head += [f'batch {b} (ms)' for b in batch_sizes]
    head += [f'batch {b} vs {reference}' for b in batch_sizes]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for name in names:
        row = [name]
        if costs:
            row += [human(costs[name][0]), human(costs[name][1])]
        row += [f'{_timing.median(times[(name, b)]) * 1e3:.2f}'
                for b in batch_sizes]
        row += [f'{_timing.ratio_summary(times[(name, b)], times[(reference, b)])["median"]:.2f}'  # noqa: E501
                for b in batch_sizes]
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    require_deploy_packages()
    _timing.set_threads(args.threads)
    costs = {}
    with tempfile.TemporaryDirectory() as scratch:
        if args.onnx:
            paths = given_files(args.onnx)
        else:
            models = reducenet_models()
            costs = {name: (params, madds)
                     for name, (_, params, madds) in models.items()}
            paths = export_all(models, args.export_dir or scratch)
        sessions = {name: ort_session(path, args.threads)
                    for name, path in paths.items()}
        kinds = {(name, batch): session_timer(session, batch)
                 for name, session in sessions.items()
                 for batch in args.batch_sizes}
        keys = list(kinds)
        times = _timing.run_interleaved(
            {str(k): kinds[k] for k in keys}, args.reps, args.warmup,
            label='onnx_latency')
    times = {key: times[str(key)] for key in keys}
    names, reference = list(paths), list(paths)[0]
    markdown = table(names, costs, times, args.batch_sizes, reference)
    results = dict(
        table=markdown, threads=args.threads, batch_sizes=args.batch_sizes,
        costs={name: dict(params=p, madds=m)
               for name, (p, m) in costs.items()},
        seconds={f'{name} @ batch {batch}': _timing.summarize(times[(name,
                                                                     batch)])
                 for name, batch in keys},
        vs_reference={
            f'{name} @ batch {batch}': _timing.ratio_summary(
                times[(name, batch)], times[(reference, batch)])
            for name, batch in keys})
    _timing.write_record(args.out, 'onnx_latency', args, results)
    print(f'onnxruntime CPU, {args.threads} threads, median of {args.reps} '
          f'repetitions:\n{markdown}', flush=True)


if __name__ == '__main__':
    main()
