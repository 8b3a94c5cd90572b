"""Fuse a trained student's linear (LoRA) branches into its main convs.

    python tools/model_converters/reparameterize.py CONFIG CHECKPOINT OUT

CONFIG is the config that trained CHECKPOINT: a distillation config (its
student, ``model.architecture``, is fused) or a plain one. The written
checkpoint holds the student alone, with exactly the parameters of the plain
student (e.g. ``configs/reducenet/reduce20-w1-student_1xb64_digits.py``),
which loads it strictly for ``tools/test.py`` / ``dist_test.sh``.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

import reducekd  # noqa: E402,F401
from reducekd.cli import run_tool  # noqa: E402
import torch  # noqa: E402

from reducekd.checkpoint import (STUDENT_PREFIX,  # noqa: E402
                                 CheckpointError, describe_mismatch,
                                 load_local_checkpoint, state_dict_of,
                                 student_state_dict)
from reducekd.complexity import build_in_scope, models_of_config  # noqa
from reducekd.config_check import load_config  # noqa: E402
from reducekd.engine.hooks.non_finite_check_hook import \
    non_finite_tensors  # noqa: E402
from reducekd.errors import NonFiniteError  # noqa: E402
from reducekd.models.utils import reparameterize_model  # noqa: E402

#: Largest relative logit difference a fusion may make: float32 rounding of
#: the merged kernels gives about 1e-6; anything near 1e-3 is a wrong fusion.
FUSION_TOLERANCE = 1e-4


def trained_student(cfg, checkpoint_path):
    """The config's student (or model) with the checkpoint's weights."""
    role, model_cfg = models_of_config(cfg)[-1]
    model = build_in_scope(model_cfg, cfg.get('default_scope', 'reducekd'))
    state = state_dict_of(load_local_checkpoint(checkpoint_path, 'cpu'))
    if any(key.startswith(STUDENT_PREFIX) for key in state):
        state = student_state_dict(state)
    bad = non_finite_tensors(state)
    if bad:
        raise NonFiniteError(
            f'{checkpoint_path} holds non-finite weights ({len(bad)} tensors, '
            f'e.g. {", ".join(bad[:3])}): the run that wrote it diverged. '
            'Fuse a checkpoint from before the divergence.')
    problems = describe_mismatch(model.state_dict(), state)
    if problems:
        raise CheckpointError(
            f'{checkpoint_path} does not match the {role} of {cfg.filename} '
            f'({type(model).__name__}):\n{problems}\nGive the config that '
            'trained the checkpoint.')
    model.load_state_dict(state, strict=True)
    return model.eval()


@torch.no_grad()
def largest_output_difference(model, fused, input_shape=(4, 3, 32, 32)):
    """Max relative difference of logits on random inputs (eval mode)."""
    inputs = torch.randn(input_shape)
    expected, got = model(inputs), fused(inputs)
    return float(((expected - got).abs().max() /
                  expected.abs().max().clamp_min(1e-12)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config that trained the checkpoint')
    parser.add_argument('checkpoint')
    parser.add_argument('out', help='where to write the fused student')
    args = parser.parse_args(argv)
    model = trained_student(load_config(args.config), args.checkpoint)
    fused = reparameterize_model(model)
    difference = largest_output_difference(model, fused)
    if not difference <= FUSION_TOLERANCE:  # also catches NaN
        raise NonFiniteError(
            f'the fused student differs from the unfused one by {difference:.2e}'
            f' (relative, largest logit; at most {FUSION_TOLERANCE:.0e} '
            f'allowed): nothing was written to {args.out}. The checkpoint '
            'or the fusion is broken; check it with tools/test.py first.')
    reducekd.checkpoint.save_atomically(
        dict(state_dict=fused.state_dict(),
             meta=dict(reparameterized_from=args.checkpoint)), args.out)
    print(f'fused student written to {args.out}; largest relative logit '
          f'difference to the unfused student: {difference:.2e}')


if __name__ == '__main__':
    run_tool(main)
