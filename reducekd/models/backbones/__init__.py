"""reducekd backbones."""
from .lenet_cifar import LeNetCIFAR  # noqa: F401
from .nin import NiN  # noqa: F401
from .reduce_resnet import ReduceBlock, ReduceResNet  # noqa: F401
from .cifar_resnet import CifarResNet  # noqa: F401
