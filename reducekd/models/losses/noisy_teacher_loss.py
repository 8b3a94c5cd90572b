"""Noisy-teacher logit regression of Sau & Balasubramanian."""
from typing import Optional, Tuple

import torch

from reducekd.precision import computed_in_fp32
from reducekd.registry import MODELS
from .logit_regression_loss import LogitRegressionLoss, squared_error


def perturb_logits(
    logits: torch.Tensor,
    noisy_ratio: float,
    sigma: float,
    generator: Optional[torch.Generator] = None
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Perturb a random subset of samples with multiplicative Gaussian noise.

    Exactly ``round(noisy_ratio * N)`` samples (Python's ``round``: halves go
    to the even integer) of the N in the batch are chosen uniformly at random
    without replacement; their logits become ``z * (1 + xi)`` with ``xi`` drawn
    from N(0, sigma^2) independently for every element. The other samples are
    left unchanged.

    The random numbers are drawn on the CPU (or on ``generator``'s device) and
    moved to ``logits.device``: with ``generator=None`` they come from torch's
    global CPU generator, so ``torch.manual_seed`` (mmengine's
    ``randomness=dict(seed=...)``) makes them reproducible and a saved CPU RNG
    state restores them on resume, also when training on a GPU.

    Args:
        logits (torch.Tensor): Logits of shape (N, ...).
        noisy_ratio (float): Fraction of samples to perturb, in [0, 1].
        sigma (float): Standard deviation of ``xi``, >= 0.
        generator (torch.Generator, optional): Generator to draw from instead
            of the global one.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: The perturbed logits (a new tensor)
        and the boolean mask of shape (N,) of the perturbed samples.
    """
    if not 0.0 <= noisy_ratio <= 1.0:
        raise ValueError(f'noisy_ratio must be in [0, 1], got {noisy_ratio}.')
    if not sigma >= 0.0:
        raise ValueError(f'sigma must be >= 0, got {sigma}.')
    if logits.dim() < 1:
        raise ValueError('logits must have a batch dimension.')
    num = logits.shape[0]
    num_noisy = int(round(noisy_ratio * num))
    rng_device = generator.device if generator is not None else 'cpu'
    chosen = torch.randperm(num, generator=generator,
                            device=rng_device)[:num_noisy]
    xi = torch.randn((num_noisy, ) + tuple(logits.shape[1:]),
                     generator=generator,
                     device=rng_device) * sigma
    chosen = chosen.to(logits.device)
    factor = torch.ones_like(logits)
    factor[chosen] = (1.0 + xi).to(device=logits.device, dtype=logits.dtype)
    mask = torch.zeros(num, dtype=torch.bool, device=logits.device)
    mask[chosen] = True
    return logits * factor, mask


@MODELS.register_module()
class NoisyTeacherLoss(LogitRegressionLoss):
    """Logit regression against a teacher whose logits are perturbed.

    `Deep Model Compression: Distilling Knowledge from Noisy Teachers
    <https://arxiv.org/abs/1610.09650>`_ (Sau & Balasubramanian, 2016).
    In training mode, a random fraction ``noisy_ratio`` of the samples of each
    batch gets teacher logits ``z * (1 + xi)``, ``xi ~ N(0, sigma^2 I)`` (see
    :func:`perturb_logits`); the loss is then the squared error of
    :class:`LogitRegressionLoss`. In eval mode (``self.training`` False) no
    noise is added.

    Differences from the references, on purpose:

    - The paper picks each sample with probability ``noisy_ratio``; here
      exactly ``round(noisy_ratio * N)`` samples are picked (same expectation,
      no variance in the number of noisy samples).
    - The seed code (chengshengchan/model_compression) draws one scalar per
      sample and multiplies the teacher logits by ``mask * xi``, which sets
      the unchosen samples' targets to zero and drops the ``1 +``; this class
      follows the paper's formula instead.

    Randomness comes from torch's global RNG unless a ``generator`` is given;
    the default is what makes seeded runs reproducible and resumable.

    Args:
        noisy_ratio (float): Fraction of perturbed samples per batch, in
            [0, 1]. Defaults to 0.5.
        sigma (float): Standard deviation of the relative noise.
            Defaults to 0.1.
        loss_weight (float): Factor the loss is multiplied by.
            Defaults to 1.0.
        reduction (str): ``'mean'`` or ``'batchmean'``, as in
            :class:`LogitRegressionLoss`. Defaults to ``'mean'``.
        generator (torch.Generator, optional): Generator for the noise.
            Defaults to None (torch's global RNG).
    """

    def __init__(self,
                 noisy_ratio: float = 0.5,
                 sigma: float = 0.1,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 generator: Optional[torch.Generator] = None) -> None:
        super().__init__(loss_weight=loss_weight, reduction=reduction)
        if not 0.0 <= noisy_ratio <= 1.0:
            raise ValueError(
                f'NoisyTeacherLoss: noisy_ratio must be in [0, 1], '
                f'got {noisy_ratio}.')
        if not sigma >= 0.0:
            raise ValueError(
                f'NoisyTeacherLoss: sigma must be >= 0, got {sigma}.')
        self.noisy_ratio = noisy_ratio
        self.sigma = sigma
        self.generator = generator

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
        target = preds_T.detach()
        if self.training:
            target, _ = perturb_logits(target, self.noisy_ratio, self.sigma,
                                       self.generator)
        return self.loss_weight * squared_error(preds_S, target,
                                                self.reduction)
