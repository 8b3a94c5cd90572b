"""Factor Transfer losses: factor matching and paraphraser reconstruction."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from reducekd.precision import computed_in_fp32
from reducekd.registry import MODELS


def _check_p(owner: str, p: int) -> int:
    if p not in (1, 2):
        raise ValueError(f'{owner}: p must be 1 or 2, got {p!r}.')
    return p


def _check_same_shape(owner: str, preds_S: torch.Tensor,
                      preds_T: torch.Tensor) -> None:
    if preds_S.shape != preds_T.shape or preds_S.dim() < 2:
        raise ValueError(
            f'{owner} expects two tensors of the same shape (N, ...), got '
            f'{tuple(preds_S.shape)} and {tuple(preds_T.shape)}.')


def _mean_abs_pow(diff: torch.Tensor, p: int) -> torch.Tensor:
    return diff.abs().mean() if p == 1 else diff.pow(2).mean()


def factor_transfer(x: torch.Tensor) -> torch.Tensor:
    """FT(x): flatten each sample and divide it by its L2 norm.

    Args:
        x (torch.Tensor): Factors of shape (N, ...).

    Returns:
        torch.Tensor: Shape (N, prod(...)), unit L2 norm per row.
    """
    return F.normalize(x.flatten(1), p=2, dim=1)


@MODELS.register_module()
class FactorTransferLoss(nn.Module):
    """Distance between the student's and the teacher's normalised factors.

    `Paraphrasing Complex Network: Network Compression via Factor Transfer
    <https://arxiv.org/abs/1802.04977>`_ (Kim, Park, Kwak, NeurIPS 2018).

    .. math::

        L = \\mathrm{mean}\\,|FT(F_S) - FT(F_T)|^p, \\quad
        FT(x) = \\frac{\\mathrm{vec}(x)}{\\|\\mathrm{vec}(x)\\|_2}

    with the mean taken over all elements of the batch. ``p=1`` is the
    official code's ``nn.L1Loss`` (Jangho-Kim/Factor-Transfer-pytorch, where
    the student loss is ``CE + beta * L1`` with ``beta = 500``: give
    ``loss_weight=500``); ``p=2`` is the element-wise mean of squares. The
    teacher factor (the frozen paraphraser's output) is a constant target
    (detached), as in the official code.

    Args:
        p (int): 1 or 2. Defaults to 1.
        loss_weight (float): Factor the loss is multiplied by (``beta``).
            Defaults to 1.0.
    """

    def __init__(self, p: int = 1, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.p = _check_p(type(self).__name__, p)
        self.loss_weight = loss_weight

    @computed_in_fp32
    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (torch.Tensor): Student factor (translator output),
                shape (N, C, H, W) or any (N, ...).
            preds_T (torch.Tensor): Teacher factor (paraphraser output),
                same shape.

        Returns:
            torch.Tensor: The weighted scalar loss.
        """
        _check_same_shape(type(self).__name__, preds_S, preds_T)
        diff = factor_transfer(preds_S) - factor_transfer(preds_T.detach())
        return self.loss_weight * _mean_abs_pow(diff, self.p)


@MODELS.register_module()
class ReconstructionLoss(nn.Module):
    """Reconstruction loss that trains the Factor Transfer paraphraser.

    `Paraphrasing Complex Network: Network Compression via Factor Transfer
    <https://arxiv.org/abs/1802.04977>`_ (Kim, Park, Kwak, NeurIPS 2018).
    ``mean |P(x) - x|^p`` over all elements, on the raw (not normalised)
    features: ``p=1`` is the official code's ``nn.L1Loss``, ``p=2`` the
    element-wise mean of squares (mmrazor's pretrain config uses its
    ``L2Loss`` instead, which normalises the features first). The target
    (the frozen teacher's feature) is detached.

    Args:
        p (int): 1 or 2. Defaults to 1.
        loss_weight (float): Factor the loss is multiplied by.
            Defaults to 1.0.
    """

    def __init__(self, p: int = 1, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.p = _check_p(type(self).__name__, p)
        self.loss_weight = loss_weight

    @computed_in_fp32
    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (torch.Tensor): The reconstruction ``P(x)``, (N, ...).
            preds_T (torch.Tensor): The target feature ``x``, same shape.

        Returns:
            torch.Tensor: The weighted scalar loss.
        """
        _check_same_shape(type(self).__name__, preds_S, preds_T)
        return self.loss_weight * _mean_abs_pow(preds_S - preds_T.detach(),
                                                self.p)
