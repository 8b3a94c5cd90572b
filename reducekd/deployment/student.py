"""The trained, fused student of a config and checkpoint.

ReduceNet (https://github.com/ohmydroid/reducenet) trains its student with a
linear (LoRA) branch and merges it into the main convolution afterwards, so
the deployed student is the plain network. This module is the one place the
tools load such a student and fuse it: strictly, refusing non-finite
weights, and checking that fusing left the outputs unchanged.
"""
import os.path as osp

import torch

from reducekd.checkpoint import (STUDENT_PREFIX, CheckpointError,
                                 describe_mismatch, load_local_checkpoint,
                                 state_dict_of, student_state_dict)
from reducekd.complexity import build_in_scope, models_of_config
from reducekd.engine.hooks.non_finite_check_hook import non_finite_tensors
from reducekd.errors import ConversionError, NonFiniteError
from reducekd.models.utils import reparameterize_model

#: Largest relative logit difference a fusion may make: float32 rounding of
#: the merged kernels gives about 1e-6; anything near 1e-3 is a wrong fusion.
FUSION_TOLERANCE = 1e-4


def trained_student(cfg, checkpoint_path):
    """The config's student (or model) with the checkpoint's weights.

    Args:
        cfg (Config): A distillation config (its student,
            ``model.architecture``, is built) or a plain model config.
        checkpoint_path (str): A checkpoint of that student: a distillation
            checkpoint (its ``architecture.*`` weights are taken), a student
            checkpoint or a fused one.

    Returns:
        nn.Module: The student in eval mode.

    Raises:
        NonFiniteError: The checkpoint holds NaN or inf weights.
        CheckpointError: It is missing, unsafe or not of this model; the
            message lists the missing, unexpected and mis-shaped keys.
    """
    role, model_cfg = models_of_config(cfg)[-1]
    if not osp.isfile(osp.expanduser(str(checkpoint_path))):
        raise CheckpointError(
            f'checkpoint {checkpoint_path} does not exist: give the path of '
            f'a checkpoint of the {role} of {cfg.filename} (e.g. the '
            "training's work_dir/epoch_N.pth).")
    model = build_in_scope(model_cfg, cfg.get('default_scope', 'reducekd'))
    state = state_dict_of(load_local_checkpoint(checkpoint_path, 'cpu'))
    if any(key.startswith(STUDENT_PREFIX) for key in state):
        state = student_state_dict(state)
    bad = non_finite_tensors(state)
    if bad:
        raise NonFiniteError(
            f'{checkpoint_path} holds non-finite weights ({len(bad)} tensors, '
            f'e.g. {", ".join(bad[:3])}): the run that wrote it diverged. '
            'Use a checkpoint from before the divergence.')
    problems = describe_mismatch(model.state_dict(), state)
    if problems:
        raise CheckpointError(
            f'{checkpoint_path} does not match the {role} of {cfg.filename} '
            f'({type(model).__name__}):\n{problems}\nGive the config that '
            'trained the checkpoint.')
    model.load_state_dict(state, strict=True)
    return model.eval()


@torch.no_grad()
def largest_output_difference(model, other, input_shape=(4, 3, 32, 32)):
    """Max relative difference of two models' logits on random inputs
    (both in eval mode), relative to the largest logit of ``model``."""
    inputs = torch.randn(input_shape)
    expected, got = model(inputs), other(inputs)
    return float(((expected - got).abs().max() /
                  expected.abs().max().clamp_min(1e-12)))


def fused_student(model, input_shape=(4, 3, 32, 32)):
    """``model`` with its linear branches merged, checked against it.

    Args:
        model (nn.Module): A trained student in eval mode (not changed).
        input_shape (tuple): Shape of the random batch both are compared on.

    Returns:
        tuple[nn.Module, float]: The fused copy and its largest relative
        logit difference to ``model``.

    Raises:
        ConversionError: A branch is not linear yet (a LambdaReLU whose
            annealing did not finish), or the fused model differs from
            ``model`` by more than :data:`FUSION_TOLERANCE`.
    """
    fused = reparameterize_model(model)
    difference = largest_output_difference(model, fused, input_shape)
    if not difference <= FUSION_TOLERANCE:  # also catches NaN
        raise ConversionError(
            f'the fused student differs from the unfused one by '
            f'{difference:.2e} (relative, largest logit; at most '
            f'{FUSION_TOLERANCE:.0e} allowed). The checkpoint or the fusion '
            'is broken; check it with tools/test.py first.')
    return fused, difference
