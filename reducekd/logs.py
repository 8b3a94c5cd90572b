"""Quieting a logger for the duration of one step."""
import contextlib
import logging


@contextlib.contextmanager
def logger_at_level(logger, level=logging.ERROR):
    """Raise ``logger``'s level to ``level`` inside the ``with`` block and
    restore it afterwards, also when the block raises.

    Args:
        logger (logging.Logger): The logger, e.g. mmengine's current
            ``MMLogger`` or ``logging.getLogger('torch.onnx')``.
        level (int): The level below which records are dropped meanwhile.
    """
    previous = logger.level
    logger.setLevel(level)
    try:
        yield logger
    finally:
        logger.setLevel(previous)
