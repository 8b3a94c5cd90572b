"""The block interface ReduceNet's algorithm and tools rely on.

ReduceNet (https://github.com/ohmydroid/reducenet) gives a block a *main*
convolution without bias whose output is read by a BatchNorm, and puts
beside it, in the teacher only, a non-linear *bottleneck* branch: the
BatchNorm reads ``main(x) + bottleneck(x)``. The student is the same block
without the bottleneck, so it is a subnetwork of the teacher and inherits
every other weight. In stage 2 the student may train a linear *LoRA*
branch beside ``main`` (:mod:`reducekd.models.connectors.lora_branch`) that
``reparameterize()`` merges into ``main`` afterwards.

:class:`ReduceBranchedBlock` owns exactly that part: it builds ``main``,
``bottleneck`` and ``lora`` under those names (the names
:class:`~reducekd.models.algorithms.ReduceNetDistill` uses to tell the
teacher-only and student-only tensors apart), sums them, and fuses the LoRA
branch. A block family subclasses it and says which BatchNorm reads the sum
(:attr:`ReduceBranchedBlock.sum_norm`).
"""
from collections import OrderedDict

import torch
from torch import nn

from reducekd.registry import MODELS

#: Name of the teacher-only branch in every block's ``state_dict`` keys.
TEACHER_ONLY = 'bottleneck'
#: Name of the student-only (linear, fusable) branch.
STUDENT_ONLY = 'lora'


def conv_no_bias(in_channels, out_channels, kernel_size, stride=1, groups=1):
    """A ``kernel_size`` convolution with "same" padding and no bias."""
    return nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                     padding=kernel_size // 2, groups=groups, bias=False)


def normalize_out_indices(out_indices, num_outputs):
    """``out_indices`` as non-negative indices below ``num_outputs``.

    Raises:
        ValueError: An index outside ``[-num_outputs, num_outputs - 1]``.
    """
    normalized = []
    for index in out_indices:
        if not -num_outputs <= index < num_outputs:
            raise ValueError(
                f'out_indices must lie in [-{num_outputs}, '
                f'{num_outputs - 1}], got {tuple(out_indices)}')
        normalized.append(index % num_outputs)
    return tuple(normalized)


def build_lora_branch(cfg, in_channels, out_channels, kernel_size, stride):
    """Build a linear branch beside a main conv from its config.

    ``_scope_`` makes the type lookup start in reducekd's registry also when
    the backbone is built under another default scope (e.g. as
    ``reducekd.ReduceResNet`` in an ``mmpretrain``-scoped classifier).
    """
    cfg = dict(cfg, in_channels=in_channels, out_channels=out_channels,
               kernel_size=kernel_size, stride=stride)
    cfg.setdefault('_scope_', MODELS.scope)
    return MODELS.build(cfg)


class ReduceBranchedBlock(nn.Module):
    """Base of ReduceNet's blocks: ``main`` [+ ``bottleneck``] [+ ``lora``].

    * ``main``: conv k x k(in, out, stride), no bias;
    * ``bottleneck`` (teacher only): conv k x k(in, e*out, stride)-BN-ReLU-
      conv1x1(e*out, out)-BN, i.e. ReduceNet's branch widened by the
      expansion ``e``;
    * ``lora`` (optional): a linear branch with ``main``'s kernel size and
      stride.

    Subclasses call :meth:`build_branches` in ``__init__``, compute
    ``sum_norm(branch_sum(x))`` in ``forward`` and return that BatchNorm from
    :attr:`sum_norm`.
    """

    def build_branches(self, in_channels, out_channels, kernel_size, stride,
                       expansion, with_bottleneck, lora):
        """Build ``main``, ``bottleneck`` and ``lora`` (the last two may be
        None).

        Args:
            in_channels (int): Input channels of ``main``.
            out_channels (int): Output channels of ``main``.
            kernel_size (int): Kernel size of ``main`` (odd).
            stride (int): Stride of ``main``.
            expansion (int): Width of the bottleneck relative to
                ``out_channels``.
            with_bottleneck (bool): Build the bottleneck (the teacher).
            lora (dict, optional): Config of the linear branch, built from
                ``MODELS`` with ``in_channels``, ``out_channels``,
                ``kernel_size`` and ``stride`` filled in.
        """
        self.main = conv_no_bias(in_channels, out_channels, kernel_size,
                                 stride)
        width = expansion * out_channels
        self.bottleneck = nn.Sequential(OrderedDict(
            conv1=conv_no_bias(in_channels, width, kernel_size, stride),
            bn1=nn.BatchNorm2d(width),
            relu=nn.ReLU(inplace=True),
            conv2=conv_no_bias(width, out_channels, 1),
            bn2=nn.BatchNorm2d(out_channels),
        )) if with_bottleneck else None
        self.lora = build_lora_branch(
            lora, in_channels, out_channels, kernel_size,
            stride) if lora is not None else None

    @property
    def sum_norm(self) -> nn.BatchNorm2d:
        """The BatchNorm that reads ``branch_sum``."""
        raise NotImplementedError

    def branch_sum(self, x):
        """``main(x) + bottleneck(x) + lora(x)``, for the branches built."""
        out = self.main(x)
        if self.bottleneck is not None:
            out = out + self.bottleneck(x)
        if self.lora is not None:
            out = out + self.lora(x)
        return out

    @torch.no_grad()
    def reparameterize(self):
        """Merge the LoRA branch into ``main``, leaving the plain block.

        ``main`` receives the branch's equivalent kernel. ``main`` has no
        bias, so the branch's bias ``b`` (non-zero for a branch with a
        BatchNorm) is absorbed by :attr:`sum_norm`: ``BN(y + b)`` with
        running mean ``m`` equals ``BN(y)`` with running mean ``m - b`` in
        eval mode. Fine-tuning the fused block also behaves as if ``main``
        had the bias ``b``: in train mode the batch statistics cancel a
        constant offset, and the running mean keeps differing by exactly
        ``b`` from the one ``BN(y + b)`` would track.

        Afterwards the block has exactly the parameters and ``state_dict``
        keys of a block built without ``lora``; calling it again does
        nothing.

        Raises:
            RuntimeError: If the branch is not linear yet (a LambdaReLU
                with ``λ < 1``).
        """
        if self.lora is None:
            return
        kernel, bias = self.lora.equivalent_kernel_bias()
        self.main.weight.add_(kernel)
        self.sum_norm.running_mean.sub_(bias)
        self.lora = None
