"""Factor Transfer's two training stages, one algorithm class each.

`Paraphrasing Complex Network: Network Compression via Factor Transfer
<https://arxiv.org/abs/1802.04977>`_ (Kim, Park, Kwak, NeurIPS 2018); official
code Jangho-Kim/Factor-Transfer-pytorch.

- :class:`FactorTransferPretrain` (stage 1): the frozen teacher runs, a
  :class:`~reducekd.models.connectors.ParaphraserReconstruction` learns to
  reconstruct its recorded feature map. No student is built. The checkpoint
  holds ``teacher.*`` and ``distiller.connectors.<name>.*``.
- :class:`FactorTransferDistill` (stage 2): mmrazor's single-teacher
  distillation (via :class:`StrictTeacherDistill`) whose paraphraser
  connector is loaded strictly from the stage-1 checkpoint and stays frozen;
  the student and its translator learn from ``CE + beta * FT loss``.

Which stage runs is chosen by the class a config builds, never by a phase
flag. Recorders, connectors and losses are wired by mmrazor's
``ConfigurableDistiller`` in both stages; both classes check that wiring when
they are built (one forward pass on a zero input), so a connector that does
not fit its recorded feature stops the run before the first iteration,
naming the recorded module, the connector and both shapes.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import nn

from reducekd.checkpoint import (CheckpointError, describe_mismatch,
                                 load_local_checkpoint,
                                 load_state_dict_strictly, state_dict_of)
from reducekd.models.distillers.wiring import (ConnectorShapeError,  # noqa
                                               check_same_shapes, drop_records,
                                               loss_inputs, recorder_managers,
                                               unchanged)
from reducekd.registry import MODELS
from .strict_teacher_distill import StrictTeacherDistill

_FT_SHAPE_HINT = (
    "For Factor Transfer the translator's out_channels must equal the "
    "paraphraser's factor_channels = round(in_channels * rate), and both "
    'recorded feature maps must have the same height and width.')
_TEACHER_HINT = ('Point teacher_ckpt at a checkpoint of the teacher model '
                 'itself, e.g. the epoch_N.pth of its own training run.')


def check_distill_shapes(owner: str, distiller: nn.Module,
                         models: Dict[str, nn.Module],
                         input_shape: Sequence[int]) -> None:
    """Run each model once on zeros and check the recorded shapes.

    For every argument of every distill loss: a connector must fit the
    feature recorded for it, and the two sides of a loss (``preds_S`` and
    ``preds_T``) must have the same shape once through their connectors
    (:mod:`reducekd.models.distillers.wiring`). Nothing is trained and no
    statistics change.

    Args:
        owner (str): Name of the algorithm, for the messages.
        distiller (ConfigurableDistiller): Recorders already initialised.
        models (dict): ``{'teacher': model, 'student': model}`` (either may
            be missing when no recorder reads it).
        input_shape (Sequence[int]): ``(C, H, W)`` of one input image.

    Raises:
        ConnectorShapeError: Naming the loss, the recorded module, the
            connector and both shapes.
    """
    managers = recorder_managers(distiller)
    dummy = torch.zeros(1, *input_shape)
    with unchanged(distiller, *models.values()):
        try:
            for role, model in models.items():
                with managers[role]:
                    model(dummy, None, mode='tensor')
            for loss_name in distiller.loss_forward_mappings:
                check_same_shapes(
                    owner, loss_name,
                    loss_inputs(owner, distiller, loss_name), _FT_SHAPE_HINT)
        except ConnectorShapeError as error:
            shape = 'x'.join(str(size) for size in dummy.shape)
            raise ConnectorShapeError(
                f'{error} (Checked on a {shape} input.)') from None
        finally:
            drop_records(distiller)


def load_connector_strictly(connector: nn.Module, filename: str,
                            prefix: str, teacher: Optional[nn.Module] = None,
                            teacher_ckpt: Optional[str] = None) -> None:
    """Load a connector from the ``prefix`` keys of a stage-1 checkpoint.

    Every key under ``prefix`` must match the connector (names and shapes),
    and none may be missing. If the checkpoint also holds ``teacher.*``
    weights and ``teacher`` is given, they must equal the teacher's: a
    paraphraser trained on another teacher is refused.

    Args:
        connector (nn.Module): The connector to fill.
        filename (str): Stage-1 checkpoint.
        prefix (str): Key prefix of the connector in it, e.g.
            ``'distiller.connectors.paraphraser.'``.
        teacher (nn.Module, optional): The (already loaded) teacher.
        teacher_ckpt (str, optional): Its checkpoint, for the messages.

    Raises:
        CheckpointError: The file is missing or does not match.
    """
    hint = ('Point paraphraser_ckpt at a checkpoint of the Factor Transfer '
            'pretrain (stage-1) run, e.g. work_dirs/<..._pretrain>/'
            'epoch_N.pth, whose paraphraser has the same in_channels, rate '
            'and use_bn as this config\'s.')
    if not filename or not osp.isfile(osp.expanduser(str(filename))):
        raise CheckpointError(
            f'paraphraser checkpoint {filename!r} does not exist. Run the '
            'stage-1 (..._pretrain.py) config first. ' + hint)
    state = state_dict_of(load_local_checkpoint(filename, map_location='cpu'))
    own = {k: v for k, v in state.items() if k.startswith(prefix)}
    if not own:
        tops = sorted({k.split('.')[0] + '.*' for k in state})
        raise CheckpointError(
            f"paraphraser checkpoint {filename} has no '{prefix}*' keys, so "
            f'it is not a stage-1 checkpoint of this connector (its keys: '
            f'{", ".join(tops)}). {hint}')
    expected = {prefix + k: v for k, v in connector.state_dict().items()}
    problems = describe_mismatch(expected, own)
    if problems:
        raise CheckpointError(
            f'paraphraser checkpoint {filename} does not match the connector '
            f'{type(connector).__name__} ({prefix}*):\n{problems}\n{hint}')
    if teacher is not None:
        _check_same_teacher(state, teacher, filename, teacher_ckpt)
    connector.load_state_dict(
        {k[len(prefix):]: v for k, v in own.items()}, strict=True)


def _check_same_teacher(state, teacher, filename, teacher_ckpt):
    stage1 = {k[len('teacher.'):]: v for k, v in state.items()
              if k.startswith('teacher.')}
    if not stage1:
        return
    current = teacher.state_dict()
    differing = sorted(
        k for k in set(stage1) | set(current)
        if k not in stage1 or k not in current
        or stage1[k].shape != current[k].shape
        or not torch.equal(stage1[k].cpu(), current[k].cpu()))
    if differing:
        raise CheckpointError(
            f'the paraphraser in {filename} was trained on another teacher: '
            f'{len(differing)} of its {len(stage1)} teacher.* tensors differ '
            f'from the teacher loaded from {teacher_ckpt} (e.g. '
            f'{", ".join(differing[:3])}). Use the teacher_ckpt of the '
            'stage-1 run, or pretrain a paraphraser on this teacher.')


@MODELS.register_module()
class FactorTransferPretrain(BaseModel):
    """Factor Transfer stage 1: train the paraphraser on a frozen teacher.

    The teacher is loaded strictly from ``teacher_ckpt``, frozen and kept in
    eval mode; each training step runs it without gradients while the
    distiller's teacher recorders capture its feature map, then the distill
    losses are computed (typically ``ReconstructionLoss(preds_S=
    paraphraser(feature), preds_T=feature)``), logged as ``distill.*``. The
    distiller's connectors are the only trainable parameters; no student is
    built. Validation and ``predict`` run the teacher, so stage 1 reports the
    teacher's accuracy (a check of ``teacher_ckpt``).

    Build-time checks: the distiller has no student recorders and no loss
    reads the student; at least one connector parameter is trainable (the
    frozen stage-2 ``Paraphraser`` here is a mistake); recorded feature
    channels fit the connectors (:func:`check_distill_shapes`).

    The optimizer should see only the trainable parameters: give
    ``optim_wrapper`` a ``paramwise_cfg`` (any), so mmengine builds the
    parameter groups one by one and leaves out those that do not require
    gradients, i.e. the teacher's.

    Args:
        teacher (dict | BaseModel): The teacher model or its config.
        teacher_ckpt (str): Checkpoint of the teacher (must match exactly).
        distiller (dict): A ``ConfigurableDistiller`` config with
            ``teacher_recorders``, ``connectors``, ``distill_losses`` and
            ``loss_forward_mappings`` (all ``from_student=False``).
        input_shape (Sequence[int]): ``(C, H, W)`` of the dummy input of the
            build-time check. Defaults to ``(3, 32, 32)``.
        data_preprocessor (dict | nn.Module, optional): Defaults to the
            teacher's.
        init_cfg (dict, optional): Initialisation of the connectors (the
            teacher keeps its checkpoint).
    """

    def __init__(self,
                 teacher: Union[BaseModel, Dict],
                 teacher_ckpt: str,
                 distiller: Dict,
                 input_shape: Sequence[int] = (3, 32, 32),
                 data_preprocessor: Optional[Union[Dict, nn.Module]] = None,
                 init_cfg: Optional[Dict] = None) -> None:
        if isinstance(teacher, dict):
            teacher = MODELS.build(teacher)
        if not isinstance(teacher, BaseModel):
            raise TypeError(f'{type(self).__name__}: teacher must be a dict '
                            f'or a BaseModel, got {type(teacher)}.')
        if data_preprocessor is None:
            data_preprocessor = getattr(teacher, 'data_preprocessor', None)
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.teacher = teacher
        load_state_dict_strictly(self.teacher, teacher_ckpt, what='teacher',
                                 hint=_TEACHER_HINT)
        self.teacher._is_init = True  # keep init_weights() off it
        self.teacher.requires_grad_(False)
        for module in self.teacher.modules():  # recorded outputs stay intact
            if hasattr(module, 'inplace'):
                module.inplace = False

        self.distiller = MODELS.build(distiller)
        self._check_no_student()
        self.distiller.prepare_from_teacher(self.teacher)
        if not any(p.requires_grad for p in self.distiller.parameters()):
            connectors = ', '.join(
                f"'{name}' ({type(c).__name__})"
                for name, c in self.distiller.connectors.items()) or 'none'
            raise ValueError(
                f'{type(self).__name__}: nothing to train: no connector has '
                f'a trainable parameter (connectors: {connectors}). Stage 1 '
                'trains a ParaphraserReconstruction; the frozen Paraphraser '
                'belongs to stage 2 (FactorTransferDistill).')
        check_distill_shapes(type(self).__name__, self.distiller,
                             dict(teacher=self.teacher), input_shape)
        self.train()

    def _check_no_student(self) -> None:
        name = type(self).__name__
        student_recorders = sorted(self.distiller.student_recorders.recorders)
        if student_recorders:
            raise ValueError(
                f'{name} builds no student, but the distiller has student '
                f'recorders {student_recorders}. Remove them (the student '
                'belongs to stage 2).')
        for loss_name, mapping in self.distiller.loss_forward_mappings.items():
            for arg, info in mapping.items():
                if info.get('from_student', False):
                    raise ValueError(
                        f"{name} builds no student, but loss '{loss_name}' "
                        f'reads {arg} from_student=True.')

    def train(self, mode: bool = True) -> 'FactorTransferPretrain':
        """Switch modes; the frozen teacher always stays in eval mode."""
        super().train(mode)
        self.teacher.eval()
        return self

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[BaseDataElement]] = None,
                mode: str = 'tensor'):
        """``loss``: the distill losses; ``predict``/``tensor``: the
        teacher's."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode in ('predict', 'tensor'):
            return self.teacher(inputs, data_samples, mode=mode)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')

    def loss(self,
             inputs: torch.Tensor,
             data_samples: Optional[List[BaseDataElement]] = None
             ) -> Dict[str, torch.Tensor]:
        """Teacher forward (no gradients) with recording, then the distill
        losses, named ``distill.<loss name>``."""
        with self.distiller.teacher_recorders, torch.no_grad():
            self.teacher(inputs, data_samples, mode='tensor')
        losses = self.distiller.compute_distill_losses()
        return {f'distill.{name}': value for name, value in losses.items()}


@MODELS.register_module()
class FactorTransferDistill(StrictTeacherDistill):
    """Factor Transfer stage 2: student and translator learn the factors.

    mmrazor's single-teacher distillation with a strictly loaded frozen
    teacher (:class:`StrictTeacherDistill`). The distiller's connector named
    ``paraphraser`` (a frozen
    :class:`~reducekd.models.connectors.Paraphraser`) is loaded from the
    stage-1 checkpoint's ``distiller.connectors.<paraphraser>.*`` keys when
    the model is built: a missing file, missing or unexpected keys, wrong
    shapes, or a stage-1 run on another teacher stop the run before the first
    iteration, naming them. It stays frozen and in eval mode; the student and
    the other connectors (the translator) are trained with the student's
    losses plus the distill losses, typically ``CE + beta *
    FactorTransferLoss(translator(F_S), paraphraser(F_T))``.

    Build-time checks as :class:`FactorTransferPretrain`'s:
    :func:`check_distill_shapes` on teacher and student.

    Args:
        paraphraser_ckpt (str): Stage-1 checkpoint.
        paraphraser (str): Name of the paraphraser connector, the same in
            both stages' configs. Defaults to ``'paraphraser'``.
        input_shape (Sequence[int]): ``(C, H, W)`` of the dummy input of the
            build-time check. Defaults to ``(3, 32, 32)``.
        **kwargs: As :class:`StrictTeacherDistill` (``architecture`` for the
            student, ``teacher``, ``teacher_ckpt``, ``distiller``, ...).
    """

    def __init__(self,
                 paraphraser_ckpt: str,
                 paraphraser: str = 'paraphraser',
                 input_shape: Sequence[int] = (3, 32, 32),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        name = type(self).__name__
        if self.teacher_trainable:
            raise ValueError(f'{name}: the teacher must be frozen '
                             '(teacher_trainable=False): the paraphraser '
                             'was trained on its fixed features.')
        connectors = self.distiller.connectors
        if paraphraser not in connectors:
            raise ValueError(
                f"{name}: the distiller has no connector named "
                f"'{paraphraser}' (connectors: {list(connectors)}); set "
                'paraphraser= to the name used in the stage-1 config.')
        module = connectors[paraphraser]
        trainable = [n for n, p in module.named_parameters()
                     if p.requires_grad]
        if trainable:
            raise ValueError(
                f"{name}: connector '{paraphraser}' "
                f'({type(module).__name__}) has trainable parameters '
                f'({", ".join(trainable[:3])}, ...); stage 2 needs the '
                'frozen Paraphraser (ParaphraserReconstruction belongs to '
                'stage 1).')
        load_connector_strictly(
            module, paraphraser_ckpt, f'distiller.connectors.{paraphraser}.',
            teacher=self.teacher, teacher_ckpt=kwargs.get('teacher_ckpt'))
        module._is_init = True  # keep init_weights() off it
        self.paraphraser_name = paraphraser
        check_distill_shapes(name, self.distiller,
                             dict(teacher=self.teacher, student=self.student),
                             input_shape)

    def train(self, mode: bool = True) -> 'FactorTransferDistill':
        """Switch modes; the teacher and the paraphraser stay in eval mode."""
        super().train(mode)
        name = getattr(self, 'paraphraser_name', None)
        if name is not None:
            self.distiller.connectors[name].eval()
        return self
