"""reducekd distillers."""
from .logit_distiller import LogitDistiller  # noqa: F401
