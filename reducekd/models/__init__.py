"""reducekd's models: backbones, connectors, distill losses, algorithms."""
from . import (algorithms, backbones, connectors, distillers,  # noqa: F401
               losses, structure_learning, utils)
