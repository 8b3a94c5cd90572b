"""Training-loop additions: hooks."""
from . import hooks  # noqa: F401
