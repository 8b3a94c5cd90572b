"""Run a tool as a child process: its output to a log, its progress shown.

Shared by ``tools/reducenet_pipeline.py`` and
``tools/run_digits_experiments.py``. A child's stdout and stderr go, line by
line, to a log file; the lines of mmengine's logger
(``Epoch(train) [e][i/n] ... eta: H:MM:SS``, ``Epoch(test) [i/n] ... eta:``)
become a short status such as ``epoch 3/80, ETA 0:01:10``,
which a :class:`StatusLine` keeps on screen while the child runs.
"""
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import threading
import time

#: The repository whose ``tools/`` :func:`tool` runs.
REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

#: An iteration line of mmengine's logger, with the ETA of its loop.
_ITERATION = re.compile(
    r'Epoch\((?P<mode>train|test)\)\s*(?:\[(?P<epoch>\d+)\])?'
    r'\s*\[\s*(?P<iter>\d+)/(?P<iters>\d+)\]'
    r'.*?\beta: (?P<eta>(?:\d+ days?, )?\d+:\d\d:\d\d)')
#: The progress line of the benchmarks (tools/benchmark/_timing.py).
_REPETITION = re.compile(
    r'\brep (?P<rep>\d+)/(?P<reps>\d+)\s+elapsed \d+s\s+ETA (?P<eta>\d+)s')

#: Seconds between two status refreshes while a child runs.
_TICK = 1.0


def tool(name, *args):
    """The command line of ``tools/name`` of this repository (a shell
    script through ``sh``, a Python tool through this interpreter)."""
    path = osp.join(REPO, 'tools', name)
    head = ['sh', path] if name.endswith('.sh') else [sys.executable, path]
    return head + [str(arg) for arg in args]


def clock(seconds):
    """``seconds`` as ``H:MM:SS``."""
    seconds = int(seconds)
    return f'{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}'


def log_name(title):
    """A file name for the log of the run titled ``title``."""
    return re.sub(r'[^A-Za-z0-9.=-]+', '_', title) + '.log'


def status_of(line, epochs=None):
    """The progress an mmengine log line reports, or None for other lines.

    Args:
        line (str): One line of a child's output.
        epochs (int, optional): The training's last epoch, shown as
            ``epoch e/epochs`` when given.

    Returns:
        str | None: e.g. ``'epoch 3/80, ETA 0:01:10'`` at the end of an
        epoch, ``'epoch 3/80 [300/782], ETA 0:41:10'`` within one, or
        ``'test 20/36, ETA 0:00:04'``; ``'repetition 12/55, ETA 0:00:30'``
        for a benchmark's line.
    """
    repetition = _REPETITION.search(line)
    if repetition:
        return (f'repetition {repetition["rep"]}/{repetition["reps"]}, '
                f'ETA {clock(int(repetition["eta"]))}')
    match = _ITERATION.search(line)
    if not match:
        return None
    if match['mode'] == 'test':
        return f'test {match["iter"]}/{match["iters"]}, ETA {match["eta"]}'
    where = f'epoch {match["epoch"]}' + (f'/{epochs}' if epochs else '')
    if match['iter'] != match['iters']:
        where += f' [{match["iter"]}/{match["iters"]}]'
    return f'{where}, ETA {match["eta"]}'


def tail(path, count=20):
    """The last ``count`` lines of the text file at ``path``."""
    with open(path, errors='replace') as file:
        return ''.join(file.readlines()[-count:])


class StatusLine:
    """One line of progress: rewritten in place on a terminal, printed as a
    new line at most every ``every`` seconds on anything else (a pipe, a
    log file).

    Args:
        stream (file, optional): Where the line goes; stdout by default.
        every (float): Seconds between two printed lines off a terminal.
    """

    def __init__(self, stream=None, every=10.0):
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.every = every
        self.printed = None  # when the last line was printed off a terminal

    def show(self, text):
        """Show ``text`` as the current progress."""
        if self.tty:
            width = shutil.get_terminal_size().columns - 1
            self.stream.write('\r' + text[:width] + '\x1b[K')
        elif self.printed is None or \
                time.monotonic() - self.printed >= self.every:
            self.printed = time.monotonic()
            self.stream.write(text + '\n')
        self.stream.flush()

    def end(self, text):
        """Replace the progress by ``text``, for good."""
        self.stream.write(('\r' + text + '\x1b[K' if self.tty else text)
                          + '\n')
        self.stream.flush()
        self.printed = None


def run_logged(command, log_path, cwd=None, env=None, show=None,
               epochs=None):
    """Run ``command``, appending its output to ``log_path``.

    Args:
        command (list[str]): The child's argv; it is also the log's first
            line.
        log_path (str): The log file (appended to).
        cwd (str, optional): The child's working directory.
        env (dict, optional): The child's environment (default: this
            process's); Python children run unbuffered, so that their
            lines arrive as they are written.
        show (callable, optional): Called every second, and once the
            child's output has ended, with its latest status (see
            :func:`status_of`; ``'starting'`` before mmengine's first line)
            and the seconds it has run.
        epochs (int, optional): Passed to :func:`status_of`.

    Returns:
        int: The child's exit status.
    """
    env = dict(os.environ if env is None else env, PYTHONUNBUFFERED='1')
    started, latest = time.monotonic(), ['starting']
    with open(log_path, 'a') as log:
        log.write('$ ' + ' '.join(command) + '\n')
        log.flush()
        child = subprocess.Popen(command, cwd=cwd, env=env, text=True,
                                 errors='replace', stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT)

        def read():
            for line in child.stdout:
                log.write(line)
                latest[0] = status_of(line, epochs) or latest[0]
            log.flush()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        while reader.is_alive():
            reader.join(_TICK)
            if show:
                show(latest[0], time.monotonic() - started)
        return child.wait()
