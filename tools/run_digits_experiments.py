"""Rerun the method READMEs' digits experiments, then tabulate and plot them.

    python tools/run_digits_experiments.py [--methods logit_kd reducenet]
        [--seeds 0 1 2] [--work-dir work_dirs/digits_experiments]
        [--epochs N] [--dry-run]

Every run goes through the users' commands (``tools/dist_train.sh``,
``tools/dist_test.sh --eval accuracy --metrics-json``, and
``tools/reducenet_pipeline.py`` for ReduceNet), in the low-data regime of
the READMEs (20 training images per class). A run whose final checkpoint
exists is not trained again, so a rerun continues where one stopped.
Progress and an ETA (from the median duration of the runs so far) are
printed before each run. At the end ``tools/analysis/summarize.py`` writes
``WORK/summary.md`` and ``WORK/summary.csv`` over everything, and
``tools/analysis/plot_curves.py`` writes ``WORK/curves_<method>.png`` of
seed ``--seeds[0]``.

``--epochs N`` shortens every training to N epochs (a smoke run; the
tables then say nothing about the methods).

Not yet covered: Factor Transfer and structure learning (their READMEs give
their commands).
"""
import argparse
import os.path as osp
import statistics
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
LOGIT_KD = 'configs/logit_kd'
#: The logit KD digits demo: its teacher, then the students of its table.
LOGIT_KD_TEACHER = ('nin-bn_1xb16_digits', 30)
LOGIT_KD_STUDENTS = (('lenet_1xb16_digits', 'student alone'),
                     ('logit-regression_lenet_from_nin-bn_1xb16_digits', '[1]'),
                     ('noisy-teacher_lenet_from_nin-bn_1xb16_digits', '[2]'),
                     ('kd_lenet_from_nin-bn_1xb16_digits', '[3]'))
LOGIT_KD_EPOCHS = 60
REDUCENET_EPOCHS = 80


def tool(name, *args):
    """The command line of a tool of this repository."""
    path = osp.join(REPO, 'tools', name)
    head = ['sh', path] if name.endswith('.sh') else [sys.executable, path]
    return head + [str(arg) for arg in args]


def train_and_test(config, work_dir, epochs, options):
    """Commands that train ``config`` into ``work_dir`` and test its last
    checkpoint, and that checkpoint."""
    last = osp.join(work_dir, f'epoch_{epochs}.pth')
    train = tool('dist_train.sh', 'local', 'digits', config, work_dir,
                 '--cfg-options', f'train_cfg.max_epochs={epochs}', *options)
    test = tool('dist_test.sh', 'local', 'digits', config, last, '--eval',
                'accuracy', '--metrics-json',
                osp.join(work_dir, 'metrics.json'), '--work-dir',
                osp.join(work_dir, 'test'), *(['--cfg-options', *options]
                                              if options else []))
    return [train, test], last


def logit_kd_plan(work, seeds, epochs):
    """``[(title, commands, final file)]`` of the logit KD experiments."""
    name, teacher_epochs = LOGIT_KD_TEACHER
    teacher_epochs = epochs or teacher_epochs
    teacher_dir = osp.join(work, 'logit_kd', name)
    commands, teacher_ckpt = train_and_test(
        osp.join(LOGIT_KD, name + '.py'), teacher_dir, teacher_epochs, [])
    plan = [(f'logit_kd {name}', commands, teacher_ckpt)]
    for seed in seeds:
        for student, _ in LOGIT_KD_STUDENTS:
            options = [f'randomness.seed={seed}']
            if '_from_' in student:
                options.append(f'model.teacher_ckpt={teacher_ckpt}')
            commands, last = train_and_test(
                osp.join(LOGIT_KD, student + '.py'),
                osp.join(work, 'logit_kd', f'{student}_seed{seed}'),
                epochs or LOGIT_KD_EPOCHS, options)
            plan.append((f'logit_kd {student} seed {seed}', commands, last))
    return plan


def reducenet_plan(work, seeds, epochs):
    """``[(title, commands, final file)]`` of the ReduceNet pipeline."""
    plan = []
    for seed in seeds:
        seed_dir = osp.join(work, 'reducenet', f'seed{seed}')
        command = tool('reducenet_pipeline.py', '--seed', seed, '--epochs',
                       epochs or REDUCENET_EPOCHS, '--work-dir', seed_dir)
        plan.append((f'reducenet pipeline seed {seed}', [command],
                     osp.join(seed_dir, 'results.md')))
    return plan


PLANS = dict(logit_kd=logit_kd_plan, reducenet=reducenet_plan)


def clock(seconds):
    seconds = int(seconds)
    return f'{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}'


def run_plan(plan, dry_run):
    """Run each step unless its final file exists; print progress + ETA."""
    durations, started = [], time.time()
    for index, (title, commands, final) in enumerate(plan, 1):
        left = len(plan) - index + 1
        eta = statistics.median(durations) * left if durations else None
        print(f'[{index}/{len(plan)}] {title}  elapsed '
              f'{clock(time.time() - started)}, ETA '
              f'{clock(eta) if eta is not None else "?"}', flush=True)
        if osp.exists(final) and not final.endswith('.pth'):
            print(f'  {final} exists: skipped', flush=True)
            continue
        step_start = time.time()
        for command in commands:
            is_train = 'dist_train.sh' in ' '.join(command)
            if is_train and osp.exists(final):
                print(f'  {final} exists: not trained again', flush=True)
                continue
            print('  $ ' + ' '.join(command), flush=True)
            if not dry_run:
                subprocess.run(command, check=True, cwd=REPO,
                               stdout=subprocess.DEVNULL)
        if not dry_run:
            durations.append(time.time() - step_start)


def report(work, methods, seed):
    """summary.md/.csv over ``work``; a curves PNG per method."""
    run = [tool('analysis/summarize.py', work, '--out-md',
                osp.join(work, 'summary.md'), '--out-csv',
                osp.join(work, 'summary.csv'))]
    for method in methods:
        dirs = [osp.join(work, 'logit_kd', LOGIT_KD_TEACHER[0])] + [
            osp.join(work, 'logit_kd', f'{s}_seed{seed}')
            for s, _ in LOGIT_KD_STUDENTS] if method == 'logit_kd' else [
            osp.join(work, 'reducenet', f'seed{seed}')]
        run.append(tool('analysis/plot_curves.py', *dirs, '--out',
                        osp.join(work, f'curves_{method}.png'), '--title',
                        f'{method} on the digits, seed {seed}'))
    for command in run:
        subprocess.run(command, check=True, cwd=REPO,
                       stdout=subprocess.DEVNULL)
    print(open(osp.join(work, 'summary.md')).read())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--methods', nargs='+', choices=sorted(PLANS),
                        default=sorted(PLANS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--work-dir', default='work_dirs/digits_experiments')
    parser.add_argument('--epochs', type=int,
                        help='shorten every training (smoke run)')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the commands only')
    args = parser.parse_args(argv)
    work = osp.abspath(args.work_dir)
    plan = [step for method in args.methods
            for step in PLANS[method](work, args.seeds, args.epochs)]
    run_plan(plan, args.dry_run)
    if not args.dry_run:
        report(work, args.methods, args.seeds[0])


if __name__ == '__main__':
    main()
