"""Datasets: embedded digits and CIFAR-layout folders."""
from .digits import Digits  # noqa: F401
from .local_cifar import LocalCIFAR10, LocalCIFAR100  # noqa: F401
