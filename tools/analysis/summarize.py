"""One results table over finished runs, seeds aggregated.

    python tools/analysis/summarize.py WORK_DIR... [--out-md F] [--out-csv F]

Finds every training run at or below the given work dirs (a folder with the
config mmengine dumped and its ``<timestamp>/vis_data/scalars.json``), and
prints a Markdown table: method, teacher, student, the student's parameters
and MAdds (mmengine's count on the built model), best and last validation
top-1, the test top-1 of ``metrics.json`` (``tools/test.py
--metrics-json``) when present, epochs, wall time, and the seeds. Runs of
the same config with different ``randomness.seed`` form one row, as
mean ± sample std. Unfinished runs are listed under the table, not averaged.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))

from reducekd.analysis.runs import find_run_dirs, read_run  # noqa: E402
from reducekd.analysis.summary import (aggregate, markdown,  # noqa: E402
                                       write_csv)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('work_dirs', nargs='+')
    parser.add_argument('--out-md', help='also write the table here')
    parser.add_argument('--out-csv', help='the table as CSV')
    args = parser.parse_args(argv)
    try:
        runs = [read_run(path) for path in find_run_dirs(args.work_dirs)]
    except FileNotFoundError as error:
        parser.exit(2, f'error: {error}\n')
    rows, unfinished = aggregate(runs)
    table = markdown(rows, unfinished)
    print(table, end='')
    if args.out_md:
        with open(args.out_md, 'w') as file:
            file.write(table)
    if args.out_csv:
        write_csv(rows, args.out_csv)


if __name__ == '__main__':
    main()
