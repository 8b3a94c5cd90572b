"""reducekd utils."""
from .reparameterize import (fuse_conv_bn, pad_1x1_to_3x3,  # noqa: F401
                             reparameterize_model)
