"""Download reducekd and everything it installs, except torch, as wheels.

    python tools/make_wheelhouse.py [--dest wheelhouse] [--python-version 3.12]
        [--platform manylinux_2_28_x86_64 ...]

For an air-gapped GPU node that already has torch (and torchvision): run
this where there is a network, with the environment ``make install`` made
(``.venv``: its packages are the tested versions), copy the folder over, and
install next to the node's torch with the index switched off::

    pip install --no-index --find-links wheelhouse "reducekd[lite,tests,deploy]"

The wheelhouse holds reducekd's own wheel, the wheels of every package of
the running environment except torch, torchvision and what torch itself
requires (the node's torch brings those), and setuptools/wheel. Wheels are
chosen for ``--python-version`` and ``--platform`` (pip matches manylinux
tags exactly, so the default lists the usual ones); a package that exists
only as a source archive is built into a wheel here, which works where it
is pure Python.
"""
import argparse
import importlib.metadata as metadata
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: What the node's own torch install provides; never in the wheelhouse.
NODE_PROVIDES = ('torch', 'torchvision')
#: Build requirements of ``pip install`` with the index off.
BUILD_TOOLS = ('setuptools', 'wheel')
DEFAULT_PLATFORMS = tuple(
    [f'manylinux_2_{minor}_x86_64' for minor in range(17, 40)] +
    ['manylinux2014_x86_64', 'manylinux1_x86_64', 'linux_x86_64'])


def canonical(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def requirement_names(dist):
    """Names ``dist`` requires unconditionally (no extras, no markers)."""
    names = []
    for line in dist.requires or []:
        if ';' in line:
            continue
        names.append(canonical(re.split(r'[\s<>=!~\[(]', line, 1)[0]))
    return names


def provided_by_the_node():
    """torch, torchvision and the closure of torch's own requirements."""
    dists = {canonical(d.metadata['Name']): d for d in metadata.distributions()}
    provided, todo = set(NODE_PROVIDES), ['torch']
    while todo:
        dist = dists.get(todo.pop())
        for name in requirement_names(dist) if dist else ():
            if name not in provided:
                provided.add(name)
                todo.append(name)
    return provided


def pinned_requirements():
    """``NAME==VERSION`` of every package to put in the wheelhouse."""
    skip = provided_by_the_node() | {'reducekd', 'pip'}
    pins = {}
    for dist in metadata.distributions():
        name = canonical(dist.metadata['Name'])
        if name not in skip:
            pins[name] = f'{name}=={dist.version.split("+")[0]}'
    return [pins[name] for name in sorted(pins)]


def pip(*args):
    return subprocess.run([sys.executable, '-m', 'pip', *args],
                          capture_output=True, text=True)


def binary_args(args):
    tags = ['--only-binary=:all:', '--implementation', 'cp',
            '--python-version', args.python_version]
    for platform in args.platform:
        tags += ['--platform', platform]
    return tags


def download(requirements, args):
    """Wheels for ``requirements``; source-only ones are built here."""
    common = ['download', '--no-deps', '--quiet', '-d', args.dest]
    if pip(*common, *binary_args(args), *requirements).returncode == 0:
        return
    for index, requirement in enumerate(requirements, 1):
        print(f'[{index}/{len(requirements)}] {requirement}', flush=True)
        if pip(*common, *binary_args(args), requirement).returncode == 0:
            continue
        built = pip('wheel', '--no-deps', '--quiet', '-w', args.dest,
                    requirement)
        if built.returncode != 0:
            sys.exit(f'no wheel of {requirement} for Python '
                     f'{args.python_version} on {args.platform[0]}, and '
                     f'none could be built here:\n{built.stderr[-2000:]}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dest', default='wheelhouse')
    parser.add_argument(
        '--python-version',
        default=f'{sys.version_info.major}.{sys.version_info.minor}',
        help='of the node (default: this Python)')
    parser.add_argument('--platform', nargs='+',
                        default=list(DEFAULT_PLATFORMS))
    args = parser.parse_args(argv)
    os.makedirs(args.dest, exist_ok=True)
    had_build_dir = osp.isdir(osp.join(REPO, 'build'))
    built = pip('wheel', '--no-deps', '--quiet', '-w', args.dest, REPO)
    if not had_build_dir:  # setuptools' leftovers, never reused stale
        shutil.rmtree(osp.join(REPO, 'build'), ignore_errors=True)
    if built.returncode != 0:
        sys.exit(f'reducekd did not build as a wheel:\n{built.stderr}')
    requirements = pinned_requirements()
    print(f'{len(requirements)} packages for Python {args.python_version}',
          flush=True)
    download(requirements, args)
    tools = pip('download', '--no-deps', '--quiet', '-d', args.dest,
                *binary_args(args), *BUILD_TOOLS)
    if tools.returncode != 0:
        sys.exit(f'setuptools/wheel did not download:\n{tools.stderr}')
    count = len([f for f in os.listdir(args.dest) if f.endswith('.whl')])
    print(f'{count} wheels in {args.dest}. Install next to an existing '
          f'torch with:\n  pip install --no-index --find-links {args.dest} '
          '"reducekd[lite,tests,deploy]"')


if __name__ == '__main__':
    main()
