"""reducekd's training throughput relative to a bare PyTorch loop.

Two copies of the reduce20 w1 student with the same weights, the same batch
and the same threads, measured side by side in one process, interleaved:

- reducekd: the classifier built from its config, one
  ``model.train_step(data, OptimWrapper(SGD))`` per step (what mmengine's
  training loop calls each iteration; data loading excluded);
- bare: its backbone, neck and head as plain modules on the already
  normalised tensor -> cross-entropy -> backward -> ``SGD.step()``.

The figure is reducekd samples/s divided by bare samples/s.

Example::

    OMP_NUM_THREADS=2 python tools/benchmark/throughput_vs_bare.py
"""
import argparse
import copy

import torch
import torch.nn.functional as F

import _models
import _timing


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    _timing.add_common_args(parser, 'throughput_vs_bare', reps=20, warmup=3)
    return parser.parse_args(argv)


def bare_step(classifier, data):
    """A plain PyTorch training step of ``classifier``'s modules on
    ``data``, preprocessed once here."""
    backbone, neck = classifier.backbone, classifier.neck
    fc = classifier.head.fc
    batch = classifier.data_preprocessor(data, True)
    inputs = batch['inputs']
    labels = torch.cat([s.gt_label for s in batch['data_samples']])
    optimizer = _models.sgd_wrapper(classifier).optimizer

    def step():
        optimizer.zero_grad()
        features = neck(backbone(inputs)[-1])
        loss = F.cross_entropy(fc(features), labels)
        loss.backward()
        optimizer.step()
    return step


def main(argv=None):
    args = parse_args(argv)
    _timing.set_threads(args.threads)
    data = _models.fake_batch(args.batch_size)
    model = _models.build_classifier(_models.STUDENT)
    bare = copy.deepcopy(model)
    optim_wrapper = _models.sgd_wrapper(model)
    kinds = dict(
        reducekd=_timing.timed(lambda: model.train_step(data, optim_wrapper)),
        bare=_timing.timed(bare_step(bare, data)))
    times = _timing.run_interleaved(kinds, args.reps, args.warmup,
                                    label='throughput_vs_bare')
    # samples/s ratio reducekd / bare = bare seconds / reducekd seconds
    ratio = _timing.ratio_summary(times['bare'], times['reducekd'])
    results = dict(
        throughput_ratio=ratio,
        reducekd_samples_per_s=args.batch_size / _timing.median(
            times['reducekd']),
        bare_samples_per_s=args.batch_size / _timing.median(times['bare']),
        seconds={name: _timing.summarize(t) for name, t in times.items()},
        times=times)
    _timing.write_record(args.out, 'throughput_vs_bare', args, results)
    print(f'reducekd/bare training throughput: {ratio["median"]:.3f} '
          f'(min {ratio["min"]:.3f}, max {ratio["max"]:.3f})', flush=True)


if __name__ == '__main__':
    main()
