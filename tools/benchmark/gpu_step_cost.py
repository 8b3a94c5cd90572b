"""Training on one GPU: throughput against bare PyTorch, the cost of
distillation, mixed precision and peak memory, in one process.

On CIFAR-shaped generated data (batch 128 by default) that is already on the
device, so the loader is not what is measured, with the reduce20 w1 pair of
``distill_cost.py`` (random weights):

- ``reducekd / bare``: images/s of the student's ``train_step`` against a
  plain PyTorch loop on a copy of the same model (goal >= 0.90);
- ``reducenet / student`` and ``kd / student``: a ReduceNet stage-2 and a
  KD ``train_step`` against the student's, beside the compute limit from
  MAdds, ``(3 * S + T) / (3 * S)`` (goal: at or under it);
- ``fp32 / fp16`` and ``fp32 / bf16``: the speed-up of the student's
  ``train_step`` under mmengine's ``AmpOptimWrapper`` (CUDA only);
- peak memory of a ReduceNet stage-2 and a KD step against the student's
  (``torch.cuda.max_memory_allocated`` above what was allocated before each
  model was built; CUDA only).

Every timed unit runs ``--steps`` steps and synchronizes the device before
and after, so the time is the GPU's, not the launch queue's. With
``--device cpu`` the same script runs without the CUDA-only parts (how the
test suite checks it).

Example::

    python tools/benchmark/gpu_step_cost.py            # on a CUDA machine
"""
import argparse
import copy
import gc
import tempfile
import time

import torch
from mmengine.optim import AmpOptimWrapper

import _models
import _timing
import throughput_vs_bare
from reducekd.complexity import measure

#: Distillation steps measured against the student's.
METHODS = {
    'reducenet': (_models.REDUCENET_STAGE2, None),
    'kd': (_models.KD, _models.REDUCENET_STAGE2),
}
#: Mixed-precision kinds and the ``AmpOptimWrapper`` dtype of each.
AMP_KINDS = {'student_fp16': 'float16', 'student_bf16': 'bfloat16'}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    _timing.add_common_args(parser, 'gpu_step_cost', reps=20, warmup=3,
                            threads=4)
    parser.add_argument('--device', default='cuda',
                        help='cuda (default) or cpu (no AMP, no memory)')
    parser.add_argument('--steps', type=int, default=5,
                        help='training steps per timed unit (default '
                        '%(default)s)')
    return parser.parse_args(argv)


def on_device(data, device):
    """The batch of :func:`_models.fake_batch` moved to ``device``."""
    return dict(inputs=data['inputs'].to(device),
                data_samples=[s.to(device) for s in data['data_samples']])


def synchronized(fn, device, steps):
    """A callable timing ``steps`` calls of ``fn`` between two device
    synchronizations; returns seconds per step."""
    def sync():
        if device.type == 'cuda':
            torch.cuda.synchronize(device)

    def run():
        sync()
        start = time.perf_counter()
        for _ in range(steps):
            fn()
        sync()
        return (time.perf_counter() - start) / steps
    return run


def build_models(device, workdir):
    """Name -> (model, optimizer wrapper) of every kind on ``device``."""
    student = _models.build_classifier(_models.STUDENT).to(device)
    models = dict(student=(student, _models.sgd_wrapper(student)))
    for name, (path, pair_from) in METHODS.items():
        algorithm = _models.build_distill(path, workdir, pair_from).to(device)
        models[name] = (algorithm, _models.sgd_wrapper(algorithm))
    if device.type == 'cuda':
        for name, dtype in AMP_KINDS.items():
            model = copy.deepcopy(student)
            wrapper = _models.sgd_wrapper(model)
            models[name] = (model, AmpOptimWrapper(
                optimizer=wrapper.optimizer, dtype=dtype))
    return models


def build_kinds(models, data, device, steps):
    """Name -> timed callable: every model's ``train_step`` and the bare
    loop on a copy of the student."""
    kinds = {name: synchronized(
        lambda m=model, w=wrapper: m.train_step(data, w), device, steps)
        for name, (model, wrapper) in models.items()}
    bare_step = throughput_vs_bare.bare_step(
        copy.deepcopy(models['student'][0]), data)
    kinds['bare'] = synchronized(bare_step, device, steps)
    return kinds


def peak_memory(device, workdir, data):
    """Peak bytes allocated by two steps of the student and of each method,
    each model built alone on ``device`` and counted from before it was
    built (weights, optimizer state, activations)."""
    peaks = {}
    builders = dict(student=lambda: _models.build_classifier(_models.STUDENT))
    builders.update({
        name: (lambda p=path, f=pair_from: _models.build_distill(
            p, workdir, f)) for name, (path, pair_from) in METHODS.items()})
    for name, build in builders.items():
        gc.collect()
        torch.cuda.empty_cache()
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        model = build().to(device)
        wrapper = _models.sgd_wrapper(model)
        for _ in range(2):
            model.train_step(data, wrapper)
        torch.cuda.synchronize(device)
        peaks[name] = torch.cuda.max_memory_allocated(device) - before
        del model, wrapper
    return peaks


def summarize(times, madds, peaks, batch_size):
    """The figures of one run from the per-repetition times."""
    student = times['student']
    results = dict(
        throughput_ratio=_timing.ratio_summary(times['bare'], student),
        student_images_per_s=batch_size / _timing.median(student),
        bare_images_per_s=batch_size / _timing.median(times['bare']),
        limit_madds=(3 * madds['student'] + madds['teacher']) / (
            3 * madds['student']),
        methods={name: _timing.ratio_summary(times[name], student)
                 for name in METHODS},
        seconds_per_step={name: _timing.summarize(t)
                          for name, t in times.items()},
        madds=madds, times=times)
    results['amp_speedup'] = {
        name: _timing.ratio_summary(student, times[name])
        for name in AMP_KINDS if name in times}
    if peaks:
        results['peak_memory_bytes'] = peaks
        results['peak_memory_ratio'] = {
            name: peaks[name] / peaks['student'] for name in METHODS}
    return results


def figure_line(results):
    """The one-line figure of the run."""
    parts = [f'reducekd/bare {results["throughput_ratio"]["median"]:.3f}']
    parts += [f'{name}/student {ratio["median"]:.2f}'
              for name, ratio in results['methods'].items()]
    parts.append(f'limit from MAdds {results["limit_madds"]:.2f}')
    parts += [f'fp32/{name.split("_")[1]} {ratio["median"]:.2f}'
              for name, ratio in results['amp_speedup'].items()]
    parts += [f'memory {name}/student {ratio:.2f}'
              for name, ratio in results.get('peak_memory_ratio',
                                             {}).items()]
    return 'gpu step cost: ' + ', '.join(parts)


def main(argv=None):
    args = parse_args(argv)
    _timing.set_threads(args.threads)
    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('gpu_step_cost.py: CUDA is not available on this '
                         'machine; use --device cpu to run it on the CPU')
    torch.backends.cudnn.benchmark = True
    data = on_device(_models.fake_batch(args.batch_size), device)
    with tempfile.TemporaryDirectory() as workdir:
        peaks = (peak_memory(device, workdir, data)
                 if device.type == 'cuda' else {})
        models = build_models(device, workdir)
        madds = dict(
            student=measure(_models.build_classifier(_models.STUDENT))['madds'],
            teacher=measure(_models.build_classifier(_models.TEACHER))['madds'])
        kinds = build_kinds(models, data, device, args.steps)
        times = _timing.run_interleaved(kinds, args.reps, args.warmup,
                                        label='gpu_step_cost')
    results = summarize(times, madds, peaks, args.batch_size)
    if device.type == 'cuda':
        results['gpu'] = torch.cuda.get_device_name(device)
        results['cuda'] = torch.version.cuda
    _timing.write_record(args.out, 'gpu_step_cost', args, results)
    print(figure_line(results), flush=True)


if __name__ == '__main__':
    main()
