"""The one family of errors that mean "the input is wrong, here is the fix".

Every check reducekd makes on what a user gives it (configs, checkpoints,
datasets, command-line options, a run that turned non-finite) raises a
subclass of :class:`InputError`. The tools catch exactly this family
(:func:`reducekd.cli.run_tool`) and print its message without a traceback:
the message names the problem and the fix, and a traceback into mmengine's
internals would only hide it. Any other exception is a bug and keeps its
traceback.
"""


class InputError(Exception):
    """Something the user gave cannot work; the message says what to do.

    Subclasses take one argument, the message, so that mmengine's builder
    (which re-raises ``type(error)(prefix + message)``) keeps the type.
    """

    def __str__(self):
        return str(self.args[0]) if self.args else ''


class ConfigError(InputError, ValueError):
    """A config (file, key or value) cannot be used as written."""


class DatasetError(InputError, ValueError):
    """A dataset argument or data file is not usable."""


class ResumeError(InputError, RuntimeError):
    """``--resume`` has nothing (good) to resume from."""


class NonFiniteError(InputError, FloatingPointError):
    """Training or a conversion produced non-finite numbers."""


class DeviceError(InputError, RuntimeError):
    """What was asked needs hardware this machine does not have."""


class ConversionError(InputError, RuntimeError):
    """A model cannot be fused or exported as asked (a branch that is not
    linear yet, an opset the exporter lacks, an export whose outputs
    disagree with PyTorch's)."""
