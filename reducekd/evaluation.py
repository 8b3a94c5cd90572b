"""``--eval`` metric names of MMClassification 0.x, mapped onto mmpretrain.

MMRazor's docs (and its users' habits) test with ``--eval accuracy``, an
option mmengine-based tools no longer have: metrics come from the config's
``test_evaluator``. :func:`evaluator_for_metrics` builds that evaluator.
"""
#: mmcls 0.x metric name -> mmpretrain SingleLabelMetric item
_SINGLE_LABEL_ITEMS = {
    'precision': 'precision',
    'recall': 'recall',
    'f1_score': 'f1-score',
    'support': 'support',
}
VALID_METRICS = ('accuracy', ) + tuple(_SINGLE_LABEL_ITEMS)


def _accuracy_topk(existing):
    for evaluator in existing:
        if evaluator.get('type') in ('Accuracy', 'mmpretrain.Accuracy'):
            return evaluator.get('topk', (1, ))
    return (1, 5)


def evaluator_for_metrics(names, existing=None):
    """The ``test_evaluator`` that computes the named metrics.

    Args:
        names (list[str]): mmcls 0.x metric names (``accuracy``,
            ``precision``, ``recall``, ``f1_score``, ``support``).
        existing (dict | list, optional): The config's evaluator; its
            ``Accuracy`` top-k setting is kept.

    Returns:
        list[dict]: Evaluator configs.

    Raises:
        ValueError: A name is not valid; the valid ones are listed.
    """
    unknown = [name for name in names if name not in VALID_METRICS]
    if unknown:
        raise ValueError(f'unknown --eval metric(s) {", ".join(unknown)}; '
                         f'valid: {", ".join(VALID_METRICS)}')
    if existing is None:
        existing = []
    elif not isinstance(existing, list):
        existing = [existing]
    evaluators = []
    if 'accuracy' in names:
        evaluators.append(dict(type='Accuracy',
                               topk=_accuracy_topk(existing)))
    items = [_SINGLE_LABEL_ITEMS[name] for name in names
             if name in _SINGLE_LABEL_ITEMS]
    if items:
        evaluators.append(dict(type='SingleLabelMetric', items=items))
    return evaluators
