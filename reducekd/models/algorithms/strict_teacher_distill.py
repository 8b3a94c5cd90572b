"""Single-teacher distillation whose teacher checkpoint must match exactly."""
import torch
from mmrazor.models.algorithms import SingleTeacherDistill

from reducekd.checkpoint import load_state_dict_strictly, read_state_dict
from reducekd.registry import MODELS

_HINT = ('Point teacher_ckpt at a checkpoint of the teacher model itself, '
         'e.g. the epoch_N.pth of its own training run. A distillation '
         "checkpoint (keys 'architecture.*') must first be converted with "
         'tools/model_converters/convert_kd_ckpt_to_student.py.')


@MODELS.register_module()
class StrictTeacherDistill(SingleTeacherDistill):
    """mmrazor's ``SingleTeacherDistill`` with a strictly loaded, frozen teacher.

    mmrazor loads ``teacher_ckpt`` non-strictly: a checkpoint of another
    architecture, or one with an ``architecture.`` prefix, only warns and
    training goes on with a random teacher. Here every key and shape must
    match, or the model fails to build (before the first iteration) with the
    missing and unexpected keys listed. A frozen teacher runs entirely in
    eval mode (dropout off too), not only its BatchNorm layers.

    The teacher is built without drawing from the global random generators
    (its weights come from its checkpoint), so a run's random draws do not
    depend on whether the teacher is built at all: with ``teacher_cache``
    it is not (:mod:`reducekd.teacher_cache`), and a cached run repeats the
    live run of the same seed.

    Args:
        teacher_ckpt (str): Checkpoint of the teacher. Required unless
            ``teacher_trainable`` is True.
        student_loss_weight (float): Factor on the student's own losses
            (``student.loss*``), e.g. ``1 - alpha`` for Hinton KD's
            ``(1 - alpha) * CE + alpha * KD``. Defaults to 1.
        teacher_cache (str, optional): Folder of a teacher-output table
            (``tools/build_teacher_cache.py``; ``'auto'`` in a config, which
            the tools resolve): the teacher is replaced by a
            :class:`~reducekd.teacher_cache.CachedTeacher` that looks its
            logits up, and is neither built nor run.
        **kwargs: As for mmrazor's ``SingleTeacherDistill`` (``distiller``,
            ``teacher``, ``architecture`` for the student, ...).

    Paper of the base recipe: Hinton et al., "Distilling the Knowledge in a
    Neural Network", https://arxiv.org/abs/1503.02531.
    """

    def __init__(self, teacher_ckpt=None, student_loss_weight=1.0,
                 teacher_cache=None, **kwargs):
        teacher = kwargs.pop('teacher')
        if teacher_cache:
            teacher = dict(
                type='reducekd.CachedTeacher', directory=teacher_cache,
                logits_module=kwargs['distiller'].get('logits_module',
                                                      'head.fc'))
        elif isinstance(teacher, dict):
            with torch.random.fork_rng(devices=[]):
                teacher = MODELS.build(teacher)
        super().__init__(teacher_ckpt=None, teacher=teacher, **kwargs)
        self.student_loss_weight = student_loss_weight
        self.teacher_ckpt = teacher_ckpt
        self.teacher_cache = teacher_cache
        if not teacher_cache and (teacher_ckpt or not self.teacher_trainable):
            load_state_dict_strictly(self.teacher, teacher_ckpt,
                                     what='teacher', hint=_HINT)
            self.teacher._is_init = True  # keep init_weights() off it

    def frozen_teacher_state(self):
        """The teacher's weights: its own, or its checkpoint's when the
        teacher is a cache (its table's source names that checkpoint)."""
        if self.teacher_cache:
            return read_state_dict(self.teacher_ckpt, what='teacher')
        return self.teacher.state_dict()

    def train(self, mode=True):
        """Switch modes; a frozen teacher always stays in eval mode."""
        super().train(mode)
        if not self.teacher_trainable:
            self.teacher.eval()
        return self

    def loss(self, batch_inputs, data_samples=None):
        """Teacher forward, student forward, distill losses (mmrazor), with
        the student's own losses scaled by ``student_loss_weight``."""
        losses = super().loss(batch_inputs, data_samples)
        for name in losses:
            if name.startswith('student.') and 'loss' in name:
                losses[name] = losses[name] * self.student_loss_weight
        return losses
