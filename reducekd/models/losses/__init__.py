"""reducekd losses."""
from .factor_transfer_loss import (  # noqa: F401
    FactorTransferLoss, ReconstructionLoss)
from .kd_loss import KDLoss  # noqa: F401
from .logit_regression_loss import LogitRegressionLoss  # noqa: F401
from .noisy_teacher_loss import NoisyTeacherLoss, perturb_logits  # noqa: F401
