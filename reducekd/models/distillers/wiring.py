"""Check that a distiller's recorders, connectors and losses fit together.

mmrazor's ``ConfigurableDistiller`` wires recorded features through
connectors into distill losses by name, and only the first training step
finds out that a connector expects other channels than the recorded
feature has: a raw convolution error from inside the step, after the data
loader, the teacher checkpoint and the optimizer were set up. The functions
here run the wiring once on real shapes and name, on failure, the loss, its
argument, the recorder (and the module it reads), the connector and the
shapes. Nothing is trained and nothing changes: models run in eval mode
without gradients, the random generators are restored and the records
are dropped afterwards.
"""
import contextlib

import torch
from torch import nn

from reducekd.errors import ConfigError


class ConnectorShapeError(ConfigError):
    """A connector does not fit the feature recorded for it, or a distill
    loss cannot take the tensors it is given."""


@contextlib.contextmanager
def unchanged(*modules: nn.Module):
    """Run without gradients, every module of ``modules`` in eval mode, and
    give back each child's own mode (a frozen teacher stays in eval mode, a
    student in train mode) and the random generators' states."""
    from reducekd.engine.hooks.rng_state_hook import (capture_rng_states,
                                                      restore_rng_states)
    modes = [(m, m.training) for module in modules for m in module.modules()]
    states = capture_rng_states()
    for module in modules:
        module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for m, training in modes:
            m.training = training
        restore_rng_states(states)


def recorder_managers(distiller):
    """``{'student': ..., 'teacher': ...}`` recorder managers of a distiller."""
    return dict(student=distiller.student_recorders,
                teacher=distiller.teacher_recorders)


def drop_records(distiller):
    """Forget what the recorders captured during a check."""
    for manager in recorder_managers(distiller).values():
        for recorder in manager.recorders.values():
            recorder.reset_data_buffer()


def _describe_record(role, recorder_name, recorder):
    source = getattr(recorder, 'source', '?')
    return (f"the {role}'s recorder '{recorder_name}' "
            f'({type(recorder).__name__} of {role} module {source!r})')


def _shape(data):
    return tuple(data.shape) if torch.is_tensor(data) else type(data).__name__


def _first_line(error):
    return str(error).strip().splitlines()[0] if str(error).strip() else \
        type(error).__name__


def _through_connector(owner, loss_name, arg, distiller, name, data, where):
    connector = distiller.connectors[name]
    kind = type(connector).__name__
    expected = getattr(connector, 'in_channels', None)
    if (isinstance(expected, int) and torch.is_tensor(data)
            and (data.dim() < 2 or data.shape[1] != expected)):
        raise ConnectorShapeError(
            f"{owner}: loss '{loss_name}', argument {arg}: connector "
            f"'{name}' ({kind}) takes {expected} input channels, i.e. "
            f'(N, {expected}, H, W), but {where} gives {_shape(data)}. '
            f"Set the connector's in_channels to "
            f'{data.shape[1] if data.dim() > 1 else "?"} or record another '
            'module.')
    try:
        return connector(data)
    except (RuntimeError, ValueError, TypeError, IndexError) as error:
        raise ConnectorShapeError(
            f"{owner}: loss '{loss_name}', argument {arg}: connector "
            f"'{name}' ({kind}) cannot take {where}, of shape "
            f'{_shape(data)}: {_first_line(error)}. Set the connector\'s '
            'input channels to fit that feature, or record another '
            'module.') from None


def loss_inputs(owner, distiller, loss_name):
    """The recorded inputs of one distill loss, through their connectors.

    Args:
        owner (str): The algorithm, for the messages.
        distiller (ConfigurableDistiller): After a forward pass with its
            recorders active.
        loss_name (str): A key of ``distiller.loss_forward_mappings``.

    Returns:
        dict[str, tuple[str, Any]]: ``{argument: (where it comes from,
        value)}``.

    Raises:
        ConnectorShapeError: A connector does not fit its recorded input.
    """
    managers = recorder_managers(distiller)
    inputs = {}
    for arg, info in distiller.loss_forward_mappings[loss_name].items():
        role = 'student' if info['from_student'] else 'teacher'
        recorder = managers[role].get_recorder(info['recorder'])
        data = recorder.get_record_data(info.get('record_idx', 0),
                                        info.get('data_idx'))
        where = _describe_record(role, info['recorder'], recorder)
        name = info.get('connector')
        if name:
            data = _through_connector(owner, loss_name, arg, distiller, name,
                                      data, where)
            kind = type(distiller.connectors[name]).__name__
            where = f"connector '{name}' ({kind}) applied to {where}"
        if info.get('connector_idx') is not None:
            data = data[info['connector_idx']]
        inputs[arg] = (where, data)
    return inputs


def _listed(inputs):
    return '; '.join(f'{arg} = {where}, of shape {_shape(data)}'
                     for arg, (where, data) in inputs.items())


def check_loss_takes(owner, distiller, loss_name, inputs):
    """Call one distill loss on its inputs; name them if it fails.

    Raises:
        ConnectorShapeError: The loss raised on these inputs.
    """
    loss = distiller.distill_losses[loss_name]
    try:
        loss(**{arg: data for arg, (_, data) in inputs.items()})
    except (RuntimeError, ValueError, TypeError, IndexError) as error:
        raise ConnectorShapeError(
            f"{owner}: distill loss '{loss_name}' ({type(loss).__name__}) "
            f'fails on its inputs: {_listed(inputs)}: {_first_line(error)}. '
            'Record modules whose outputs the loss can compare, or add a '
            'connector that maps one onto the other.') from None


def check_same_shapes(owner, loss_name, inputs, hint=''):
    """Require ``preds_S`` and ``preds_T`` of one loss to have one shape.

    For losses that would broadcast or flatten two mismatched tensors
    silently instead of failing.

    Raises:
        ConnectorShapeError: Naming both sides and their shapes.
    """
    if 'preds_S' not in inputs or 'preds_T' not in inputs:
        return
    (where_s, s), (where_t, t) = inputs['preds_S'], inputs['preds_T']
    if _shape(s) != _shape(t):
        raise ConnectorShapeError(
            f"{owner}: loss '{loss_name}' compares preds_S = {where_s}, of "
            f'shape {_shape(s)}, with preds_T = {where_t}, of shape '
            f'{_shape(t)}; they must have the same shape. {hint}'.rstrip())


def check_single_teacher_wiring(algorithm, batch):
    """Run a single-teacher distillation's wiring once on a real batch.

    The teacher and the student run in ``'loss'`` mode with their recorders
    (as mmrazor's ``SingleTeacherDistill.loss`` runs them), then every
    distill loss is gathered through its connectors and called.

    Args:
        algorithm (SingleTeacherDistill): With ``teacher``, ``student`` and
            a ``ConfigurableDistiller``.
        batch (dict): A collated batch of the training data.

    Raises:
        ConnectorShapeError: Naming the loss, argument, recorder, connector
            and shapes that do not fit.
    """
    owner = type(algorithm).__name__
    distiller = algorithm.distiller
    with unchanged(algorithm):
        data = algorithm.data_preprocessor(batch, True)
        inputs, samples = data['inputs'], data['data_samples']
        try:
            distiller.set_deliveries_override(False)
            with distiller.teacher_recorders, distiller.deliveries:
                algorithm.teacher(inputs, samples, mode='loss')
            distiller.set_deliveries_override(True)
            with distiller.student_recorders, distiller.deliveries:
                algorithm.student(inputs, samples, mode='loss')
            for loss_name in distiller.loss_forward_mappings:
                check_loss_takes(owner, distiller, loss_name,
                                 loss_inputs(owner, distiller, loss_name))
        finally:
            drop_records(distiller)
