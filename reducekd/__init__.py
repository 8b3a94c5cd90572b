"""reducekd: knowledge distillation for CNNs on the OpenMMLab 2.x stack.

Importing reducekd first repairs the stack (:mod:`reducekd.compat`), then
makes its registries available under the ``reducekd`` scope.
"""
from .compat import repair_stack

repair_stack()

from . import registry  # noqa: E402,F401

__version__ = '0.1.0'
