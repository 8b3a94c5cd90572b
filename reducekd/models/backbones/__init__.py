"""reducekd backbones."""
from .lenet_cifar import LeNetCIFAR  # noqa: F401
from .nin import NiN  # noqa: F401
from .reduce_block import ReduceBranchedBlock  # noqa: F401
from .reduce_resnet import ReduceBlock, ReduceResNet  # noqa: F401
from .reduce_mobilenet_v2 import (ReduceInvertedResidual,  # noqa: F401
                                  ReduceMobileNetV2)
from .cifar_resnet import CifarResNet  # noqa: F401
