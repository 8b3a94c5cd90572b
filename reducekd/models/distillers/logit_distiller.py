"""A distiller wired for losses between the teacher's and the student's logits."""
from mmrazor.models.distillers import ConfigurableDistiller

from reducekd.registry import MODELS


@MODELS.register_module()
class LogitDistiller(ConfigurableDistiller):
    """mmrazor's ``ConfigurableDistiller``, pre-wired for logit distillation.

    Records the output of ``logits_module`` (``head.fc`` in mmpretrain's
    classifiers) in teacher and student and feeds it to every loss as
    ``preds_S`` / ``preds_T``, the project's one distill-loss signature. A
    config then only names its losses::

        distiller=dict(type='LogitDistiller',
                       losses=dict(loss_kd=dict(type='KDLoss', tau=5,
                                                loss_weight=0.7)))

    Any registered reducekd or mmrazor loss with that signature can be
    used, alone or several at once. Papers of the bundled losses: Hinton et
    al. (https://arxiv.org/abs/1503.02531), Ba & Caruana
    (https://arxiv.org/abs/1312.6184), Sau & Balasubramanian
    (https://arxiv.org/abs/1610.09650).

    Args:
        losses (dict): Name (logged as ``distill.<name>``) -> loss config.
        logits_module (str): Module whose output is the logits, in both
            models. Defaults to ``'head.fc'``.
        **kwargs: Other ``ConfigurableDistiller`` arguments (e.g. more
            recorders and losses for features).
    """

    def __init__(self, losses, logits_module='head.fc', **kwargs):
        recorders = dict(logits=dict(type='ModuleOutputs',
                                     source=logits_module))
        mappings = {
            name: dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits'))
            for name in losses
        }
        super().__init__(
            student_recorders=dict(recorders,
                                   **kwargs.pop('student_recorders', {})),
            teacher_recorders=dict(recorders,
                                   **kwargs.pop('teacher_recorders', {})),
            distill_losses=dict(losses, **kwargs.pop('distill_losses', {})),
            loss_forward_mappings=dict(
                mappings, **kwargs.pop('loss_forward_mappings', {})),
            **kwargs)
