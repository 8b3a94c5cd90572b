"""ReduceNet through the tools: stage 1, stage 2 with LoRA, fuse, test."""
import re

from conftest import REPO, python_tool, run, tiny_config


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
