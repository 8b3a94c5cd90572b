"""reducekd's models: backbones, connectors, distill losses, algorithms."""
from . import algorithms, backbones, connectors, losses, utils  # noqa: F401
