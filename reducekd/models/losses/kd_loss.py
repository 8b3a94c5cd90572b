"""Hinton's knowledge distillation loss on temperature-softened logits."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from reducekd.precision import computed_in_fp32
from reducekd.registry import MODELS

_KD_REDUCTIONS = ('batchmean', 'mean')


@MODELS.register_module()
class KDLoss(nn.Module):
    """Knowledge distillation loss of Hinton et al.

    `Distilling the Knowledge in a Neural Network
    <https://arxiv.org/abs/1503.02531>`_ (Hinton, Vinyals, Dean, 2015).

    .. math::

        L = \\tau^2 \\cdot KL\\big(\\mathrm{softmax}(z_T / \\tau) \\,\\|\\,
            \\mathrm{softmax}(z_S / \\tau)\\big)

    The :math:`\\tau^2` factor keeps the gradient scale of the soft term
    independent of the temperature. The teacher logits are a constant target
    (detached).

    The reduction is explicit because the references differ:

    - ``'batchmean'``: KL summed over classes, averaged over samples. This is
      Hinton's formulation and what mdistiller, RepDistiller (T 4, CE 0.1,
      KD 0.9) and mmrazor's ``KLDivergence`` compute.
    - ``'mean'``: element-wise mean over samples *and* classes, i.e.
      ``'batchmean' / num_classes``. This is what ReduceNet's reference code
      computes with ``nn.KLDivLoss()`` (alpha 0.7, T 5); use it to reproduce
      ReduceNet's numbers.

    The weighting against the cross-entropy on labels,
    ``alpha * KD + (1 - alpha) * CE``, is set in the config, not here: give the
    student's classification head ``loss=dict(type='CrossEntropyLoss',
    loss_weight=1 - alpha)`` and this loss ``loss_weight=alpha``.

    Example (an mmrazor ``ConfigurableDistiller``)::

        distill_losses=dict(
            loss_kd=dict(type='KDLoss', tau=5, loss_weight=0.7,
                         reduction='mean')),
        loss_forward_mappings=dict(
            loss_kd=dict(
                preds_S=dict(from_student=True, recorder='fc'),
                preds_T=dict(from_student=False, recorder='fc')))

    Args:
        tau (float): Temperature, > 0. Defaults to 4.0.
        loss_weight (float): Factor the loss is multiplied by (``alpha``).
            Defaults to 1.0.
        reduction (str): ``'batchmean'`` or ``'mean'``, see above.
            Defaults to ``'batchmean'``.
    """

    def __init__(self,
                 tau: float = 4.0,
                 loss_weight: float = 1.0,
                 reduction: str = 'batchmean') -> None:
        super().__init__()
        if not tau > 0:
            raise ValueError(f'KDLoss: tau must be > 0, got {tau}.')
        if reduction not in _KD_REDUCTIONS:
            raise ValueError(f'KDLoss: reduction must be one of '
                             f'{_KD_REDUCTIONS}, got {reduction!r}.')
        self.tau = float(tau)
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
        if preds_S.dim() != 2 or preds_S.shape != preds_T.shape:
            raise ValueError(
                'KDLoss expects student and teacher logits of the same shape '
                f'(N, num_classes), got {tuple(preds_S.shape)} and '
                f'{tuple(preds_T.shape)}.')
        log_p_s = F.log_softmax(preds_S / self.tau, dim=1)
        log_p_t = F.log_softmax(preds_T.detach() / self.tau, dim=1)
        # Reduced here, not by F.kl_div: torch announces that its 'mean'
        # will change to behave like 'batchmean'.
        kl = F.kl_div(log_p_s, log_p_t, reduction='none', log_target=True)
        if self.reduction == 'batchmean':
            kl = kl.sum() / preds_S.shape[0]
        else:
            kl = kl.mean()
        return self.loss_weight * self.tau**2 * kl
