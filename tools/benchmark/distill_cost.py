"""Cost of a distillation iteration relative to training the student alone.

Measured side by side in one process, interleaved: the reduce20 w1 student's
``train_step`` alone, the teacher's forward pass alone (eval mode, no
gradients), and one ``train_step`` of each distillation method on the same
teacher/student pair (ReduceNet stage 2, Factor Transfer stage 2, KD, logit
regression, and KD with the teacher's logits looked up in a teacher-output
table, ``kd_cached``: :mod:`reducekd.teacher_cache`, a table of random
logits the size of CIFAR-10's). Each method's ratio is set beside two compute
limits:

- from MAdds: ``(3 * S + T) / (3 * S)``, S and T the student's and the
  teacher's forward MAdds, assuming a forward plus backward pass costs about
  three forward passes;
- measured: ``(student step + teacher forward) / student step``.

A method with connectors (Factor Transfer's paraphraser and translator) also
gets a third limit that counts them: ``(student step + teacher forward +
connectors) / student step``, the connectors timed on the inputs they saw in
a real step of the method, forward only when frozen, forward and backward
when trained. A method above its limits spends time on something other than
the work its method asks for. ``kd_cached`` runs no teacher: its goal is
the student's step, a ratio of 1.

Example::

    OMP_NUM_THREADS=2 python tools/benchmark/distill_cost.py
"""
import argparse
import tempfile

import torch

import _models
import _timing
from reducekd.complexity import measure

#: Method -> (config, pair_from, cached): the logit KD configs get the
#: reduce20 pair; a cached method reads a teacher-output table.
METHODS = {
    'reducenet': (_models.REDUCENET_STAGE2, None, False),
    'factor_transfer': (_models.FT_STAGE2, None, False),
    'kd': (_models.KD, _models.REDUCENET_STAGE2, False),
    'logit_regression': (_models.LOGIT_REGRESSION, _models.REDUCENET_STAGE2,
                         False),
    'kd_cached': (_models.KD, _models.REDUCENET_STAGE2, True),
}
#: Training images of the table of the cached methods (CIFAR-10's).
TABLE_SAMPLES = 50000


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


def connector_inputs(algorithm, data, optim_wrapper):
    """``{name: (connector, input)}`` as seen in one ``train_step``."""
    connectors = getattr(algorithm.distiller, 'connectors', {})
    inputs, handles = {}, []
    for name, connector in connectors.items():
        def keep(_module, args, name=name):
            inputs[name] = args[0].detach().clone()
        handles.append(connector.register_forward_pre_hook(keep))
    algorithm.train_step(data, optim_wrapper)
    for handle in handles:
        handle.remove()
    return {name: (connectors[name], x) for name, x in inputs.items()}


def connectors_timer(connectors):
    """A timed pass of every connector on its input: forward only when it
    is frozen, forward and backward when it trains."""
    def run():
        for connector, x in connectors.values():
            if any(p.requires_grad for p in connector.parameters()):
                connector(x).sum().backward()
            else:
                with torch.no_grad():
                    connector(x)
    return _timing.timed(run)


def build_kinds(batch_size, workdir):
    """Name -> timed callable; the teacher and student for MAdds; each
    method's connectors' input shapes."""
    data = _models.fake_batch(batch_size, num_samples=TABLE_SAMPLES)
    table = _models.random_teacher_table(workdir, TABLE_SAMPLES)
    student = _models.build_classifier(_models.STUDENT)
    teacher = _models.build_classifier(_models.TEACHER)
    shapes = {}  # method -> {connector: input shape}
    kinds = dict(student=step_timer(student, data,
                                    _models.sgd_wrapper(student)),
                 teacher_forward=teacher_forward_timer(teacher, data))
    for name, (path, pair_from, cached) in METHODS.items():
        algorithm = _models.build_distill(path, workdir, pair_from,
                                          table if cached else None)
        optim_wrapper = _models.sgd_wrapper(algorithm)
        kinds[name] = step_timer(algorithm, data, optim_wrapper)
        connectors = connector_inputs(algorithm, data, optim_wrapper)
        if connectors:
            kinds[f'{name}_connectors'] = connectors_timer(connectors)
            shapes[name] = {key: list(x.shape)
                            for key, (_, x) in connectors.items()}
    return kinds, student, teacher, shapes


def summarize(times, madds, connector_shapes):
    """Per-method ratios beside the compute limits."""
    student = times['student']
    limit_madds = (3 * madds['student'] + madds['teacher']) / (
        3 * madds['student'])
    limit_measured = _timing.ratio_summary(
        [s + t for s, t in zip(student, times['teacher_forward'])], student)
    methods = {}
    for name in METHODS:
        methods[name] = dict(ratio=_timing.ratio_summary(times[name], student),
                             seconds=_timing.summarize(times[name]))
        connectors = times.get(f'{name}_connectors')
        if connectors:
            methods[name]['limit_with_connectors'] = _timing.ratio_summary(
                [s + t + c for s, t, c in zip(
                    student, times['teacher_forward'], connectors)], student)
            methods[name]['connector_inputs'] = connector_shapes[name]
    return dict(
        madds=madds, limit_madds=limit_madds, limit_measured=limit_measured,
        student_seconds=_timing.summarize(student),
        teacher_forward_seconds=_timing.summarize(times['teacher_forward']),
        methods=methods, times=times)


def figure_line(results):
    """The one-line figure: each method's ratio and the limits."""
    parts = []
    for name, method in results['methods'].items():
        part = f'{name} {method["ratio"]["median"]:.2f}'
        if 'limit_with_connectors' in method:
            part += (' (limit with its connectors '
                     f'{method["limit_with_connectors"]["median"]:.2f})')
        parts.append(part)
    return ('distill/student step: ' + ', '.join(parts)
            + f' | limit measured {results["limit_measured"]["median"]:.2f}'
            + f', from MAdds {results["limit_madds"]:.2f}')


def main(argv=None):
    args = parse_args(argv)
    _timing.set_threads(args.threads)
    with tempfile.TemporaryDirectory() as workdir:
        kinds, student, teacher, shapes = build_kinds(args.batch_size,
                                                      workdir)
        madds = dict(student=measure(student)['madds'],
                     teacher=measure(teacher)['madds'])
        times = _timing.run_interleaved(kinds, args.reps, args.warmup,
                                        label='distill_cost')
    results = summarize(times, madds, shapes)
    _timing.write_record(args.out, 'distill_cost', args, results)
    print(figure_line(results), flush=True)


if __name__ == '__main__':
    main()
