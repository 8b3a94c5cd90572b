"""Inference latency of the fused ReduceNet student against the plain one.

Three reduce20 w1 students, measured side by side in one process,
interleaved, one eval-mode forward pass without gradients each:

- plain: the student of ``configs/reducenet/reduce20-w1-student_*``;
- unfused: the same with the LoRA branch of the ``reducenet-lora_*``
  configs (LambdaReLU at 1, i.e. linear, as at the end of training);
- fused: that student after ``reparameterize_model`` (the branch merged into
  the main conv3x3, the plain student's structure).

The figures are fused/plain and unfused/plain latency; the record also holds
the largest difference between the fused and unfused outputs.

Example::

    OMP_NUM_THREADS=2 python tools/benchmark/fused_latency.py
"""
import argparse

import torch

import _models
import _timing
from reducekd.models.utils import reparameterize_model


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    _timing.add_common_args(parser, 'fused_latency', reps=30, warmup=3)
    return parser.parse_args(argv)


def forward_timer(model, inputs):
    """A timed eval-mode forward pass of ``model`` without gradients."""
    model.eval()

    def forward():
        with torch.no_grad():
            model(inputs, mode='tensor')
    return _timing.timed(forward)


def main(argv=None):
    args = parse_args(argv)
    _timing.set_threads(args.threads)
    plain = _models.build_classifier(_models.STUDENT).eval()
    unfused = _models.linear_lora_student()
    fused = reparameterize_model(unfused)
    inputs = plain.data_preprocessor(_models.fake_batch(args.batch_size),
                                     False)['inputs']
    with torch.no_grad():
        max_diff = (fused(inputs, mode='tensor')
                    - unfused(inputs, mode='tensor')).abs().max().item()
    kinds = {name: forward_timer(model, inputs) for name, model in
             (('plain', plain), ('fused', fused), ('unfused', unfused))}
    times = _timing.run_interleaved(kinds, args.reps, args.warmup,
                                    label='fused_latency')
    results = dict(
        fused_over_plain=_timing.ratio_summary(times['fused'],
                                               times['plain']),
        unfused_over_plain=_timing.ratio_summary(times['unfused'],
                                                 times['plain']),
        fused_unfused_max_abs_diff=max_diff,
        seconds={name: _timing.summarize(t) for name, t in times.items()},
        times=times)
    _timing.write_record(args.out, 'fused_latency', args, results)
    print(f'latency vs plain student: fused '
          f'{results["fused_over_plain"]["median"]:.3f}, unfused with LoRA '
          f'{results["unfused_over_plain"]["median"]:.3f}', flush=True)


if __name__ == '__main__':
    main()
