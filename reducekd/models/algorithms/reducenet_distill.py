"""ReduceNet stage 2: a student that inherits its teacher's weights, then
learns from it.

ReduceNet (https://github.com/ohmydroid/reducenet) trains, in stage 1, a
teacher whose blocks carry an extra non-linear bottleneck branch. The student
is the same network without those branches: in stage 2 it starts from every
weight it shares with the teacher and is distilled from the frozen teacher.
"""
from reducekd.checkpoint import CheckpointError, describe_mismatch
from reducekd.models.backbones import reduce_block
from reducekd.registry import MODELS

from .strict_teacher_distill import StrictTeacherDistill

#: Teacher parameters the student does not have: the bottleneck branches
#: of every ReduceBranchedBlock (ResNet and inverted-residual blocks alike).
TEACHER_ONLY = f'.{reduce_block.TEACHER_ONLY}.'
#: Student parameters the teacher does not have: the linear (LoRA) branches.
STUDENT_ONLY = f'.{reduce_block.STUDENT_ONLY}.'


def inherited_state_dict(teacher_state, student_state):
    """The teacher tensors a student inherits, checked key by key.

    Every student tensor must exist in the teacher with the same shape,
    except those of the student's own LoRA branches; every teacher tensor
    must be used, except those of the bottleneck branches.

    Args:
        teacher_state (dict): The teacher's state dict.
        student_state (dict): The student's state dict.

    Returns:
        dict: The tensors to load into the student (without LoRA keys).

    Raises:
        CheckpointError: Listing the keys that do not match.
    """
    shared_teacher = {k: v for k, v in teacher_state.items()
                      if TEACHER_ONLY not in k}
    shared_student = {k: v for k, v in student_state.items()
                      if STUDENT_ONLY not in k}
    problems = describe_mismatch(shared_student, shared_teacher)
    if problems:
        raise CheckpointError(
            'the student cannot inherit the teacher\'s weights (ignoring '
            f'the teacher\'s {TEACHER_ONLY.strip(".")} and the student\'s '
            f'{STUDENT_ONLY.strip(".")} branches):\n{problems}\nBuild the '
            'student with the teacher\'s depth and width (and, for a '
            'MobileNetV2, its widen_factor and kernel sizes), without '
            'with_bottleneck.')
    return shared_teacher


@MODELS.register_module()
class ReduceNetDistill(StrictTeacherDistill):
    """ReduceNet stage 2: weight inheritance, then distillation.

    The teacher is built and loaded strictly from the stage-1 checkpoint
    (``teacher_ckpt``), frozen. The student (``architecture``) is then set to
    the teacher's weights: every shared parameter and buffer (stem, main and
    merge convolutions, BatchNorm statistics, shortcuts, classifier) is
    copied, the teacher's bottleneck branches are dropped, and the student's
    optional LoRA branches keep their fresh initialisation. Any other
    difference is an error naming the keys, before training starts.

    Distillation is mmrazor's ``ConfigurableDistiller`` as configured: by
    default in reducekd's configs, KD on the logits with alpha 0.7 and T 5
    (``student_loss_weight=0.3``, ``KDLoss(tau=5, loss_weight=0.7)``).

    Args:
        **kwargs: As for :class:`StrictTeacherDistill`.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        inherited = inherited_state_dict(self.frozen_teacher_state(),
                                         self.student.state_dict())
        self.student.load_state_dict(inherited, strict=False)
        self.student._is_init = True  # init_weights() would overwrite it
