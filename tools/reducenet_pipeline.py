"""ReduceNet end to end on the digits: stage 1, stage 2, fuse, test.

    python tools/reducenet_pipeline.py [--work-dir DIR] [--seed S]
        [--epochs N] [--partition P]

Every step runs through the user's commands (``tools/dist_train.sh``,
``tools/model_converters/reparameterize.py``, ``tools/dist_test.sh --eval
accuracy``); ``GPUS`` and the other launcher variables pass through. Trains
the teacher (stage 1), the same student alone (the baseline), and the
ReduceNet student (inherits the teacher's weights, KD, a LoRA branch fused
afterwards), then prints a table in the shape of ReduceNet's README.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

CONFIGS = osp.join(REPO, 'configs', 'reducenet')
TEACHER = osp.join(CONFIGS, 'reduce20-w1-e1-teacher_1xb64_digits.py')
STUDENT = osp.join(CONFIGS, 'reduce20-w1-student_1xb64_digits.py')
REDUCENET = osp.join(
    CONFIGS, 'reducenet-lora_reduce20-w1-student_from_'
    'reduce20-w1-e1-teacher_1xb64_digits.py')


def sh(script, *args):
    """Run a user-facing tool; stop the pipeline if it fails."""
    command = ['sh', osp.join(REPO, 'tools', script), *map(str, args)] \
        if script.endswith('.sh') else \
        [sys.executable, osp.join(REPO, 'tools', script), *map(str, args)]
    print('$', ' '.join(command), flush=True)
    subprocess.run(command, check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL if not os.environ.get(
                       'VERBOSE') else None)


def train(partition, config, work_dir, options, last):
    """Train unless ``work_dir`` already holds the final checkpoint (a
    rerun of the pipeline continues where an earlier one stopped)."""
    if osp.isfile(osp.join(work_dir, last)):
        print(f'  {osp.join(work_dir, last)} exists: not trained again')
        return
    started = time.time()
    sh('dist_train.sh', partition, 'reducenet', config, work_dir,
       '--cfg-options', *options)
    print(f'  done in {time.time() - started:.0f} s', flush=True)


def top1(partition, config, checkpoint, run_dir):
    """Test ``checkpoint``; its metrics go to ``run_dir/metrics.json``,
    where ``tools/analysis/summarize.py`` finds them."""
    metrics_path = osp.join(run_dir, 'metrics.json')
    sh('dist_test.sh', partition, 'reducenet', config, checkpoint,
       '--eval', 'accuracy', '--metrics-json', metrics_path,
       '--work-dir', osp.join(run_dir, 'test'))
    with open(metrics_path) as file:
        return json.load(file)['accuracy/top1']


def complexity(config):
    from mmengine.config import Config

    from reducekd.complexity import build_in_scope, measure
    return measure(build_in_scope(Config.fromfile(config).model))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/reducenet_pipeline')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--epochs', type=int, default=80)
    parser.add_argument('--partition', default='local',
                        help='Slurm partition (default: run locally)')
    args = parser.parse_args(argv)
    work_dir = osp.abspath(args.work_dir)
    options = [f'randomness.seed={args.seed}',
               f'train_cfg.max_epochs={args.epochs}',
               f'param_scheduler.T_max={args.epochs}']
    last = f'epoch_{args.epochs}.pth'

    print('== stage 1: teacher', flush=True)
    train(args.partition, TEACHER, osp.join(work_dir, 'teacher'), options,
          last)
    teacher_ckpt = osp.join(work_dir, 'teacher', last)
    print('== baseline: the student trained alone', flush=True)
    train(args.partition, STUDENT, osp.join(work_dir, 'student_alone'),
          options, last)
    print('== stage 2: inherit the teacher\'s weights, distil, LoRA branch',
          flush=True)
    train(args.partition, REDUCENET, osp.join(work_dir, 'reducenet'),
          options + [f'model.teacher_ckpt={teacher_ckpt}'], last)
    print('== fuse the LoRA branch into the main convs', flush=True)
    fused = osp.join(work_dir, 'reducenet', 'fused_student.pth')
    sh('model_converters/reparameterize.py', REDUCENET,
       osp.join(work_dir, 'reducenet', last), fused)

    print('== test (dist_test.sh --eval accuracy)', flush=True)
    # (row, config, checkpoint, the run that made it)
    rows = [
        ('ReduceNet20-1 teacher (stage 1)', TEACHER, teacher_ckpt, 'teacher'),
        ('ResNet20-1 student alone', STUDENT,
         osp.join(work_dir, 'student_alone', last), 'student_alone'),
        ('ReduceNet20-1 student (inherit + KD + LoRA, fused)', STUDENT,
         fused, 'reducenet'),
    ]
    lines = ['| model | params | MAdds | top-1 (%) |', '|---|---|---|---|']
    for name, config, checkpoint, run in rows:
        accuracy = top1(args.partition, config, checkpoint,
                        osp.join(work_dir, run))
        cost = complexity(config)
        lines.append(f'| {name} | {cost["params"] / 1e3:.1f}K | '
                     f'{cost["madds"] / 1e6:.1f}M | {accuracy:.2f} |')
    table = '\n'.join(lines)
    with open(osp.join(work_dir, 'results.md'), 'w') as file:
        file.write(f'Digits, 20 images per class, {args.epochs} epochs, '
                   f'seed {args.seed}\n\n{table}\n')
    print(f'\nDigits (200 training images, 360 test), {args.epochs} epochs, '
          f'seed {args.seed}:\n{table}')


if __name__ == '__main__':
    main()
