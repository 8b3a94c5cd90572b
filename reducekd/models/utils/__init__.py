"""reducekd utils."""
from .reparameterize import (fold_batchnorms, fuse_conv_bn,  # noqa: F401
                             pad_1x1_kernel, reparameterize_model)
