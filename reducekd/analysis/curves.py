"""Training curves of runs: loss components and validation top-1 per epoch."""
from collections import defaultdict

from .runs import TOP1, split_records


def loss_keys(train_records):
    """The logged loss components, in first-seen order: ``loss`` (the
    total), ``student.*``, ``distill.*``..."""
    keys = []
    for record in train_records:
        keys += [k for k in record if 'loss' in k and k not in keys]
    return keys


def per_epoch_means(train_records, key):
    """``(epochs, values)``: the mean of ``key`` over each epoch's logged
    steps."""
    by_epoch = defaultdict(list)
    for record in train_records:
        if key in record:
            by_epoch[record['epoch']].append(record[key])
    epochs = sorted(by_epoch)
    return epochs, [sum(by_epoch[e]) / len(by_epoch[e]) for e in epochs]


def validation_curve(val_records):
    """``(epochs, top1)`` of the validations (their ``step`` is the
    epoch in epoch-based runs)."""
    return [r['step'] for r in val_records], [r[TOP1] for r in val_records]


def curves_of(records):
    """Every curve of one run: ``{'loss': {key: (x, y)}, 'top1': (x, y)}``."""
    train, val = split_records(records)
    return dict(loss={key: per_epoch_means(train, key)
                      for key in loss_keys(train)},
                top1=validation_curve(val))
