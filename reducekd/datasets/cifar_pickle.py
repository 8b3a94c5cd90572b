"""Read CIFAR python files without running code from them.

The official ``cifar-10-batches-py`` / ``cifar-100-python`` files are pickles
of dicts holding lists, strings, numbers and numpy arrays. The full
:mod:`pickle` module would also call any function a tampered file names
(``os.system``, ``pathlib.Path.touch`` ...) while reading it.
:func:`load_cifar_file` resolves only the few globals a numpy array needs and
refuses every other one before anything is called.
"""
import pickle

import numpy as np

from reducekd.errors import DatasetError

#: Where the official python version of the datasets is described.
CIFAR_PAGE = 'https://www.cs.toronto.edu/~kriz/cifar.html'


def _numpy_array_globals():
    """The globals numpy writes when it pickles an array, by pickled name.

    Arrays pickled by numpy 1.x (and the official Python 2 files) name
    ``numpy.core``, those of numpy 2.x ``numpy._core``; protocol 5 rebuilds
    them with ``_frombuffer`` instead of ``_reconstruct``.
    """
    core = np._core if hasattr(np, '_core') else np.core
    allowed = {('numpy', 'ndarray'): np.ndarray, ('numpy', 'dtype'): np.dtype}
    for package in ('numpy.core', 'numpy._core'):
        allowed[(f'{package}.multiarray', '_reconstruct')] = \
            core.multiarray._reconstruct
        allowed[(f'{package}.numeric', '_frombuffer')] = \
            core.numeric._frombuffer
    return allowed


_ALLOWED_GLOBALS = _numpy_array_globals()


class CifarUnpickler(pickle.Unpickler):
    """An unpickler that resolves only numpy's array-rebuilding globals.

    Args:
        file: The open binary file.
        path (str): Its path, for the messages.
    """

    def __init__(self, file, path):
        super().__init__(file, encoding='latin1')
        self.path = path

    def find_class(self, module, name):
        """Return an allowed global; refuse any other before it is called."""
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise DatasetError(
                f'refused to read {self.path}: it pickles the global '
                f'{module}.{name}, which the official CIFAR python files '
                'never contain (they hold only dicts, lists, strings, numbers '
                'and numpy arrays) and which could run code when read. '
                f'Replace {self.path} with the file of the official python '
                f'version ({CIFAR_PAGE}).') from None


def load_cifar_file(path):
    """Unpickle one CIFAR python file with :class:`CifarUnpickler`.

    Args:
        path (str): A batch (``data_batch_1``, ``test``, ...) or meta file.

    Returns:
        The unpickled object (a dict for every official file).

    Raises:
        DatasetError: The file pickles a global other than numpy's array
            globals, or is not a readable pickle.
    """
    with open(path, 'rb') as file:
        try:
            return CifarUnpickler(file, path).load()
        except DatasetError:
            raise
        except Exception as error:  # truncated or not a pickle at all
            raise DatasetError(
                f'cannot read {path} as a CIFAR python file '
                f'({type(error).__name__}: {error}). Replace it with the file '
                f'of the official python version ({CIFAR_PAGE}).') from None
