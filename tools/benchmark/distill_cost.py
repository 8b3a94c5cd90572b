"""Cost of a distillation iteration relative to training the student alone.

Measured side by side in one process, interleaved: the reduce20 w1 student's
``train_step`` alone, the teacher's forward pass alone (eval mode, no
gradients), and one ``train_step`` of each distillation method on the same
teacher/student pair (ReduceNet stage 2, Factor Transfer stage 2, KD, logit
regression). Each method's ratio is set beside two compute limits:

- from MAdds: ``(3 * S + T) / (3 * S)``, S and T the student's and the
  teacher's forward MAdds, assuming a forward plus backward pass costs about
  three forward passes;
- measured: ``(student step + teacher forward) / student step``.

A method above its limits spends time on something other than the student's
training step and the teacher's forward pass.

Example::

    OMP_NUM_THREADS=2 python tools/benchmark/distill_cost.py
"""
import argparse
import tempfile

import torch

import _models
import _timing
from reducekd.complexity import measure

#: Method -> (config, pair_from): the logit KD configs get the reduce20 pair.
METHODS = {
    'reducenet': (_models.REDUCENET_STAGE2, None),
    'factor_transfer': (_models.FT_STAGE2, None),
    'kd': (_models.KD, _models.REDUCENET_STAGE2),
    'logit_regression': (_models.LOGIT_REGRESSION, _models.REDUCENET_STAGE2),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    _timing.add_common_args(parser, 'distill_cost', reps=10, warmup=2)
    return parser.parse_args(argv)


def step_timer(model, data, optim_wrapper):
    """A timed ``model.train_step(data, optim_wrapper)``."""
    return _timing.timed(lambda: model.train_step(data, optim_wrapper))


def teacher_forward_timer(teacher, data):
    """A timed forward pass of ``teacher`` (eval mode, no gradients) on the
    preprocessed batch, as a frozen teacher runs inside distillation."""
    teacher.eval()
    inputs = teacher.data_preprocessor(data, True)['inputs']

    def forward():
        with torch.no_grad():
            teacher(inputs, mode='tensor')
    return _timing.timed(forward)


def build_kinds(batch_size, workdir):
    """Name -> timed callable, plus the teacher and student for MAdds."""
    data = _models.fake_batch(batch_size)
    student = _models.build_classifier(_models.STUDENT)
    teacher = _models.build_classifier(_models.TEACHER)
    kinds = dict(student=step_timer(student, data,
                                    _models.sgd_wrapper(student)),
                 teacher_forward=teacher_forward_timer(teacher, data))
    for name, (path, pair_from) in METHODS.items():
        algorithm = _models.build_distill(path, workdir, pair_from)
        kinds[name] = step_timer(algorithm, data,
                                 _models.sgd_wrapper(algorithm))
    return kinds, student, teacher


def summarize(times, madds):
    """Per-method ratios beside the two compute limits."""
    student = times['student']
    limit_madds = (3 * madds['student'] + madds['teacher']) / (
        3 * madds['student'])
    limit_measured = _timing.ratio_summary(
        [s + t for s, t in zip(student, times['teacher_forward'])], student)
    methods = {
        name: dict(ratio=_timing.ratio_summary(times[name], student),
                   seconds=_timing.summarize(times[name]))
        for name in METHODS
    }
    return dict(
        madds=madds, limit_madds=limit_madds, limit_measured=limit_measured,
        student_seconds=_timing.summarize(student),
        teacher_forward_seconds=_timing.summarize(times['teacher_forward']),
        methods=methods, times=times)


def figure_line(results):
    """The one-line figure: each method's ratio and the limits."""
    parts = [f'{name} {m["ratio"]["median"]:.2f}'
             for name, m in results['methods'].items()]
    return ('distill/student step: ' + ', '.join(parts)
            + f' | limit measured {results["limit_measured"]["median"]:.2f}'
            + f', from MAdds {results["limit_madds"]:.2f}')


def main(argv=None):
    args = parse_args(argv)
    _timing.set_threads(args.threads)
    with tempfile.TemporaryDirectory() as workdir:
        kinds, student, teacher = build_kinds(args.batch_size, workdir)
        madds = dict(student=measure(student)['madds'],
                     teacher=measure(teacher)['madds'])
        times = _timing.run_interleaved(kinds, args.reps, args.warmup,
                                        label='distill_cost')
    results = summarize(times, madds)
    _timing.write_record(args.out, 'distill_cost', args, results)
    print(figure_line(results), flush=True)


if __name__ == '__main__':
    main()
