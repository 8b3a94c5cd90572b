"""How reducekd's command-line tools end on bad input."""
import sys

from reducekd.errors import InputError

#: Exit status of a tool stopped by an :class:`InputError`.
INPUT_ERROR_EXIT = 2


def run_tool(main, argv=None):
    """Run a tool's ``main``; on an :class:`InputError` print its message
    (type and text, no traceback) to stderr and exit with status 2.

    Args:
        main (Callable): The tool's entry point, taking ``argv``.
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.
    """
    try:
        return main(argv)
    except InputError as error:
        print(f'{type(error).__name__}: {error}', file=sys.stderr, flush=True)
        sys.exit(INPUT_ERROR_EXIT)
