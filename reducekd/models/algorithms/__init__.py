"""reducekd algorithms."""
from .strict_teacher_distill import StrictTeacherDistill  # noqa: F401
from .reducenet_distill import ReduceNetDistill  # noqa: F401
from .factor_transfer import FactorTransferDistill, FactorTransferPretrain  # noqa: F401,E501
