"""ReduceNet through the tools: stage 1, stage 2 with LoRA, fuse, test;
the pipeline's progress line and its failure report."""
import io
import re

import pytest
from conftest import REPO, load_tool, python_tool, run, tiny_config, tool_env

_progress = load_tool('_progress.py')


def test_stage1_stage2_fuse_test(tmp_path):
    teacher_dir, student_dir = tmp_path / 'teacher', tmp_path / 'student'
    run(['sh', 'tools/dist_train.sh', 'local', 'demo',
         tiny_config('tiny_reduce_teacher_digits.py'), teacher_dir],
        cwd=REPO)
    run(['sh', 'tools/dist_train.sh', 'local', 'demo',
         tiny_config('tiny_reducenet_lora_digits.py'), student_dir,
         '--cfg-options', f'model.teacher_ckpt={teacher_dir / "epoch_1.pth"}'],
        cwd=REPO)
    fused = tmp_path / 'fused.pth'
    result = run(python_tool(
        'model_converters/reparameterize.py',
        tiny_config('tiny_reducenet_lora_digits.py'),
        student_dir / 'epoch_1.pth', fused), cwd=REPO)
    difference = float(re.findall(r'difference .*: ([0-9.e+-]+)',
                                  result.stdout)[0])
    assert difference < 1e-5
    # the plain student config loads the fused checkpoint strictly
    result = run(['sh', 'tools/dist_test.sh', 'local', 'demo',
                  tiny_config('tiny_reduce_student_digits.py'), fused,
                  '--eval', 'accuracy'], cwd=REPO)
    assert 'accuracy/top1' in result.stdout + result.stderr


def test_fusing_before_lambda_reaches_one_is_refused(tmp_path):
    teacher_dir, student_dir = tmp_path / 'teacher', tmp_path / 'student'
    run(python_tool('train.py', tiny_config('tiny_reduce_teacher_digits.py'),
                    '--work-dir', teacher_dir), cwd=REPO)
    # the annealing hook is left out: lambda stays 0
    run(python_tool('train.py', tiny_config('tiny_reducenet_lora_digits.py'),
                    '--work-dir', student_dir, '--cfg-options',
                    f'model.teacher_ckpt={teacher_dir / "epoch_1.pth"}',
                    "custom_hooks=[]"), cwd=REPO)
    result = run(python_tool(
        'model_converters/reparameterize.py',
        tiny_config('tiny_reducenet_lora_digits.py'),
        student_dir / 'epoch_1.pth', tmp_path / 'fused.pth'), cwd=REPO,
        check=False)
    assert result.returncode != 0
    assert 'lambda=0' in result.stderr
    assert not (tmp_path / 'fused.pth').exists()


def test_stage_shows_epoch_and_eta_then_done(tmp_path, monkeypatch, capsys):
    for name, value in tool_env().items():
        monkeypatch.setenv(name, value)
    stages = load_tool('reducenet_pipeline.py').Stages(2, str(tmp_path), epochs=1)
    stages.line.every = 0  # off a terminal: a line at every refresh
    work = tmp_path / 'teacher'
    train = ('dist_train.sh', 'local', 'demo',
             tiny_config('tiny_reduce_teacher_digits.py'), work)
    stages.run('teacher', 'stage 1: teacher', *train)
    lines = capsys.readouterr().out.splitlines()
    # from mmengine's last train line, Epoch(train) [1][3/3] ... eta: 0:00:00
    assert re.fullmatch(r'\[1/2\] stage 1: teacher: epoch 1/1, ETA 0:00:00 '
                        r'\(elapsed 0:00:\d\d\)', lines[-2])
    assert re.fullmatch(r'\[1/2\] stage 1: teacher: done in 0:00:\d\d',
                        lines[-1])
    log = (tmp_path / 'teacher.log').read_text()
    assert log.startswith('$ sh ') and 'Epoch(val) [1][3/3]' in log
    stages.run('teacher', 'again', *train, output=work / 'epoch_1.pth')
    assert capsys.readouterr().out == \
        f'[2/2] again: {work / "epoch_1.pth"} exists, not made again\n'


class Terminal(io.StringIO):

    def isatty(self):
        return True


def test_status_line_in_place_on_a_terminal_else_every_few_seconds():
    terminal = Terminal()
    line = _progress.StatusLine(terminal)
    line.show('epoch 1/2')
    line.show('epoch 2/2')
    line.end('done')
    assert terminal.getvalue() == \
        '\repoch 1/2\x1b[K\repoch 2/2\x1b[K\rdone\x1b[K\n'
    pipe = io.StringIO()
    line = _progress.StatusLine(pipe, every=10)
    line.show('epoch 1/2')
    line.show('epoch 2/2')  # within 10 s of the last line: not printed
    line.end('done')
    assert pipe.getvalue() == 'epoch 1/2\ndone\n'


def test_failed_stage_shows_the_end_of_its_log_and_exits(tmp_path):
    result = run(python_tool('reducenet_pipeline.py', '--work-dir', tmp_path,
                             '--epochs', 1), cwd=REPO, check=False,
                 GPUS='abc')
    assert result.returncode == 2
    logs = tmp_path / 'logs'
    lines = result.stdout.splitlines()
    assert lines[0] == f'Full output of each stage: {logs}/'
    assert lines[-1] == '[1/10] stage 1: teacher: FAILED (exit 2)'
    assert "GPUS='abc' cannot be used" in result.stderr
    assert result.stderr.endswith(
        f'--- stage 1: teacher failed (exit 2); its command and full output: '
        f'{logs / "teacher.log"}\n')


@pytest.mark.parametrize('line, status', [
    ('Epoch(train)  [12][300/782]  lr: 0.1  eta: 1 day, 2:03:04  time: 0.2',
     'epoch 12/80 [300/782], ETA 1 day, 2:03:04'),
    ('Epoch(test) [ 6/12]    eta: 0:00:01  time: 0.2365',
     'test 6/12, ETA 0:00:01'),
    ('Epoch(val) [1][ 6/12]    eta: 0:00:01', None),  # not the run's ETA
    ('Epoch(test) [3/3]    accuracy/top1: 10.0000', None),
    ('onnx_latency rep 11/55  elapsed 2s  ETA 75s',  # a benchmark's line
     'repetition 11/55, ETA 0:01:15'),
])
def test_status_of_mmengine_lines(line, status):
    assert _progress.status_of(line, epochs=80) == status
