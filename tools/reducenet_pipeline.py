"""ReduceNet end to end on the digits: stage 1, stage 2, fuse, test, ONNX.

    python tools/reducenet_pipeline.py [--work-dir DIR] [--seed S]
        [--epochs N] [--partition P]

Every step runs through the user's commands (``tools/dist_train.sh``,
``tools/model_converters/reparameterize.py``, ``tools/dist_test.sh --eval
accuracy``); ``GPUS`` and the other launcher variables pass through. Trains
the teacher (stage 1), the same student alone (the baseline), and the
ReduceNet student (inherits the teacher's weights, KD, a LoRA branch fused
afterwards), then prints a table in the shape of ReduceNet's README. It
ends by exporting the teacher and the fused student to ONNX
(``tools/deployment/pytorch2onnx.py --verify-dataset``: onnxruntime's top-1
on the test split) and timing both in onnxruntime on the CPU
(``tools/benchmark/onnx_latency.py --onnx``), with a second table.

Each stage shows one line of progress (mmengine's epoch and ETA), rewritten
in place on a terminal and printed every few seconds otherwise; its full
output goes to ``WORK/logs/<stage>.log``. A failed stage prints the end of
its log and the log's path, and the pipeline exits with the stage's exit
status. A training whose final checkpoint exists is not run again, so a
rerun continues where one stopped.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

import _progress

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

CONFIGS = osp.join(REPO, 'configs', 'reducenet')
TEACHER = osp.join(CONFIGS, 'reduce20-w1-e1-teacher_1xb64_digits.py')
STUDENT = osp.join(CONFIGS, 'reduce20-w1-student_1xb64_digits.py')
REDUCENET = osp.join(
    CONFIGS, 'reducenet-lora_reduce20-w1-student_from_'
    'reduce20-w1-e1-teacher_1xb64_digits.py')
#: Lines of a failed stage's log shown on screen.
FAILURE_TAIL = 30


class Stages:
    """Runs the pipeline's tools one at a time, each as a numbered stage
    with its progress on one line and its output in ``log_dir``.

    Args:
        total (int): The number of stages, for ``[k/total]``.
        log_dir (str): Where each stage's log goes.
        epochs (int): The trainings' last epoch, shown in their progress.
    """

    def __init__(self, total, log_dir, epochs):
        self.total, self.log_dir, self.epochs = total, log_dir, epochs
        self.done = 0
        self.line = _progress.StatusLine()

    def run(self, name, title, script, *args, output=None):
        """Run ``tools/script`` as the next stage, logged to
        ``log_dir/name.log``, unless ``output`` exists.

        Exits with the tool's status, after the end of its log, if it fails.
        """
        self.done += 1
        head = f'[{self.done}/{self.total}] {title}'
        if output and osp.isfile(output):
            self.line.end(f'{head}: {output} exists, not made again')
            return
        command = _progress.tool(script, *args)
        log = osp.join(self.log_dir, name + '.log')
        started = time.monotonic()
        status = _progress.run_logged(
            command, log, cwd=REPO, epochs=self.epochs,
            show=lambda text, seconds: self.line.show(
                f'{head}: {text} (elapsed {_progress.clock(seconds)})'))
        if status:
            self.line.end(f'{head}: FAILED (exit {status})')
            sys.stderr.write(
                f'--- last lines of {log} ---\n'
                f'{_progress.tail(log, FAILURE_TAIL)}'
                f'--- {title} failed (exit {status}); its command and full '
                f'output: {log}\n')
            sys.exit(status if status > 0 else 1)  # < 0: killed by a signal
        self.line.end(f'{head}: done in '
                      f'{_progress.clock(time.monotonic() - started)}')


def top1(stages, partition, config, checkpoint, run_dir, run):
    """Test ``checkpoint``; its metrics go to ``run_dir/metrics.json``,
    where ``tools/analysis/summarize.py`` finds them."""
    metrics_path = osp.join(run_dir, 'metrics.json')
    stages.run(f'test_{run}', f'test: {run}', 'dist_test.sh', partition,
               'reducenet', config, checkpoint, '--eval', 'accuracy',
               '--metrics-json', metrics_path, '--work-dir',
               osp.join(run_dir, 'test'))
    with open(metrics_path) as file:
        return json.load(file)['accuracy/top1']


def complexity(config):
    """The parameters and MAdds of ``config``'s model."""
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
    teacher_ckpt = osp.join(work_dir, 'teacher', last)
    fused = osp.join(work_dir, 'reducenet', 'fused_student.pth')
    # (row, config, checkpoint, the run that made it)
    rows = [
        ('ReduceNet20-1 teacher (stage 1)', TEACHER, teacher_ckpt, 'teacher'),
        ('ResNet20-1 student alone', STUDENT,
         osp.join(work_dir, 'student_alone', last), 'student_alone'),
        ('ReduceNet20-1 student (inherit + KD + LoRA, fused)', STUDENT,
         fused, 'reducenet'),
    ]
    log_dir = osp.join(work_dir, 'logs')
    os.makedirs(log_dir, exist_ok=True)
    print(f'Full output of each stage: {log_dir}/', flush=True)
    stages = Stages(4 + len(rows) + 3, log_dir, args.epochs)

    def train(title, config, run, *extra):
        stages.run(run, title, 'dist_train.sh', args.partition, 'reducenet',
                   config, osp.join(work_dir, run), '--cfg-options',
                   *options, *extra, output=osp.join(work_dir, run, last))

    train('stage 1: teacher', TEACHER, 'teacher')
    train('baseline: student alone', STUDENT, 'student_alone')
    # inherits the teacher's weights, is distilled from it, trains a LoRA
    # branch
    train('stage 2: ReduceNet student', REDUCENET, 'reducenet',
          f'model.teacher_ckpt={teacher_ckpt}')
    stages.run('fuse', 'fuse the LoRA branch',
               'model_converters/reparameterize.py', REDUCENET,
               osp.join(work_dir, 'reducenet', last), fused)

    lines = ['| model | params | MAdds | top-1 (%) |', '|---|---|---|---|']
    accuracies, costs = {}, {}
    for name, config, checkpoint, run in rows:
        accuracies[run] = top1(stages, args.partition, config, checkpoint,
                               osp.join(work_dir, run), run)
        costs[run] = complexity(config)
        lines.append(f'| {name} | {costs[run]["params"] / 1e3:.1f}K | '
                     f'{costs[run]["madds"] / 1e6:.1f}M | '
                     f'{accuracies[run]:.2f} |')
    table = '\n'.join(lines)
    deployed = deployment_table(stages, work_dir, [
        ('ReduceNet20-1 teacher', TEACHER, teacher_ckpt, 'teacher'),
        ('ReduceNet20-1 student, fused', STUDENT, fused, 'reducenet')],
        accuracies, costs)
    title = (f'Digits (200 training images, 360 test), {args.epochs} '
             f'epochs, seed {args.seed}')
    with open(osp.join(work_dir, 'results.md'), 'w') as file:
        file.write(f'{title}\n\n{table}\n\n{deployed}\n')
    print(f'\n{title}:\n{table}\n\n{deployed}')


def deployment_table(stages, work_dir, models, accuracies, costs):
    """Export each of ``models`` ``(name, config, checkpoint, run)`` to
    ONNX (checked on the whole test split), time them in onnxruntime, and
    return the table: the run's cost and PyTorch top-1 (``costs[run]``,
    ``accuracies[run]``), onnxruntime top-1, latency at batch 1 and 32 and
    its ratio to the first model's."""
    folder = osp.join(work_dir, 'onnx')
    os.makedirs(folder, exist_ok=True)
    records, latency = {}, osp.join(folder, 'latency.json')
    for name, config, checkpoint, run in models:
        out = osp.join(folder, f'{run}.onnx')
        stages.run(f'onnx_{run}', f'ONNX export: {run}',
                   'deployment/pytorch2onnx.py', config, checkpoint,
                   '--out', out, '--dynamic-batch', '--verify-dataset',
                   '--out-json', osp.join(folder, f'{run}.json'))
        with open(osp.join(folder, f'{run}.json')) as file:
            records[run] = json.load(file)
    stages.run('onnx_latency', 'onnxruntime latency (CPU, 1 thread)',
               'benchmark/onnx_latency.py', '--threads', '1', '--out',
               latency, *[f'--onnx={name}={osp.join(folder, run)}.onnx'
                          for name, _, _, run in models])
    with open(latency) as file:
        results = json.load(file)['results']
    reference = models[0][0]
    lines = ['| model | params | MAdds | top-1 PyTorch (tools/test.py) | '
             'top-1 onnxruntime | batch 1 (ms) | batch 32 (ms) | '
             f'batch 32 vs {reference} |', '|---|---|---|---|---|---|---|---|']
    seconds = results['seconds']
    for name, _, _, run in models:
        lines.append(
            f'| {name} | {costs[run]["params"] / 1e3:.1f}K | '
            f'{costs[run]["madds"] / 1e6:.1f}M | {accuracies[run]:.2f} | '
            f'{records[run]["onnx_top1"]:.2f} | '
            f'{seconds[f"{name} @ batch 1"]["median"] * 1e3:.2f} | '
            f'{seconds[f"{name} @ batch 32"]["median"] * 1e3:.2f} | '
            f'{results["vs_reference"][f"{name} @ batch 32"]["median"]:.2f} |')
    return ('ONNX (opset 18, fp32) in onnxruntime on the CPU, 1 thread, '
            'median of 50 repetitions:\n' + '\n'.join(lines))


if __name__ == '__main__':
    main()
