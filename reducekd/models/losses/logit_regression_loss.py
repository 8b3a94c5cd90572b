"""Logit regression of Ba & Caruana."""
import torch
import torch.nn as nn

from reducekd.precision import computed_in_fp32
from reducekd.registry import MODELS

_REGRESSION_REDUCTIONS = ('mean', 'batchmean')


def squared_error(preds_S: torch.Tensor, preds_T: torch.Tensor,
                  reduction: str) -> torch.Tensor:
    """Squared error between two tensors of the same shape (N, ...).

    Args:
        preds_S (torch.Tensor): Prediction.
        preds_T (torch.Tensor): Target, same shape.
        reduction (str): ``'mean'`` (mean over all elements) or
            ``'batchmean'`` (sum over all but the first dimension, mean over
            the first: the per-sample squared L2 distance averaged).

    Returns:
        torch.Tensor: Scalar.
    """
    if preds_S.shape != preds_T.shape or preds_S.dim() < 1:
        raise ValueError(
            'Expected student and teacher predictions of the same shape '
            f'(N, ...), got {tuple(preds_S.shape)} and '
            f'{tuple(preds_T.shape)}.')
    sq = (preds_S - preds_T).pow(2)
    if reduction == 'mean':
        return sq.mean()
    if reduction == 'batchmean':
        return sq.sum() / preds_S.shape[0]
    raise ValueError(f'reduction must be one of {_REGRESSION_REDUCTIONS}, '
                     f'got {reduction!r}.')


@MODELS.register_module()
class LogitRegressionLoss(nn.Module):
    """L2 regression of the teacher's logits by the student's.

    `Do Deep Nets Really Need to be Deep? <https://arxiv.org/abs/1312.6184>`_
    (Ba & Caruana, NeurIPS 2014): the student regresses the teacher's
    pre-softmax logits with a squared error. The teacher logits are a
    constant target (detached).

    Reductions:

    - ``'mean'``: mean over samples and classes (``F.mse_loss``).
    - ``'batchmean'``: squared L2 norm of the difference per sample, averaged
      over samples (``'mean' * num_classes``).

    The paper writes ``1/(2T) * sum_t ||g(x_t) - z_t||^2``, and the seed code
    (chengshengchan/model_compression, ``tf.nn.l2_loss(t - s) / batch_size``)
    computes the same, i.e. ``0.5 * 'batchmean'``: reproduce it with
    ``reduction='batchmean', loss_weight=0.5``.

    Args:
        loss_weight (float): Factor the loss is multiplied by.
            Defaults to 1.0.
        reduction (str): ``'mean'`` or ``'batchmean'``. Defaults to ``'mean'``.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean') -> None:
        super().__init__()
        if reduction not in _REGRESSION_REDUCTIONS:
            raise ValueError(
                f'{type(self).__name__}: reduction must be one of '
                f'{_REGRESSION_REDUCTIONS}, got {reduction!r}.')
        self.loss_weight = loss_weight
        self.reduction = reduction

    @computed_in_fp32
    def forward(self, preds_S: torch.Tensor,
                preds_T: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            preds_S (torch.Tensor): Student logits, shape (N, C).
            preds_T (torch.Tensor): Teacher logits, shape (N, C).

        Returns:
            torch.Tensor: The weighted scalar loss.
        """
        return self.loss_weight * squared_error(preds_S, preds_T.detach(),
                                                self.reduction)
