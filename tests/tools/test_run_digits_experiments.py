"""tools/run_digits_experiments.py: plan, scheduling, summary and curves."""
import csv
import re

import pytest
from conftest import REPO, load_tool, python_tool, run


def test_dry_run_lists_every_run_after_the_runs_it_needs(tmp_path):
    result = run(python_tool('run_digits_experiments.py', '--dry-run',
                             '--seeds', 0, 1, '--work-dir', tmp_path),
                 cwd=REPO)
    lines = result.stdout.splitlines()
    steps = [line for line in lines if line.startswith('[')]
    titles = [re.match(r'\[\d+/\d+\] (.*?)( \(after: (.*)\))?  ETA',
                       line).group(1, 3) for line in steps]
    # ReduceNet: a teacher + a pipeline per seed; Factor Transfer: stage 1
    # + a student per seed (on the ReduceNet teacher of seed 0, listed once);
    # structure learning: teacher, search, 4 students per seed; logit KD:
    # the teacher, its teacher-output table + 4 students per seed;
    # ReduceNet on MobileNetV2: teacher, MobileNetV2 alone and the ReduceNet
    # student per seed; structure learning on MobileNetV2: a search on the
    # MobileNetV2 alone of seed 0 (listed once), 4 students per seed
    assert len(steps) == 4 + 3 + 10 + 10 + 6 + 9 == 42
    seen = set()
    for title, needs in titles:
        assert needs is None or needs in seen, (title, needs)
        seen.add(title)
    assert dict(titles)['factor_transfer paraphraser (stage 1)'] == \
        'reducenet teacher seed 0'
    assert sum('reducenet_pipeline.py --seed' in line for line in lines) == 2
    assert sum('structure_search.py' in line for line in lines) == 2
    assert dict(titles)['structure_learning_mbv2 search flops=0.5'] == \
        'reducenet_mbv2 student alone seed 0'
    # tested: FT 2, structure learning 1 + 8, logit KD 1 + 8, ReduceNet on
    # MobileNetV2 3 per seed (its student fused), structure learning on
    # MobileNetV2 8
    assert sum('dist_test.sh' in line for line in lines) == 20 + 6 + 8
    assert not list(tmp_path.iterdir())  # nothing run
    # the three logit distillations per seed read the teacher's table
    cached = [title for title, needs in titles
              if needs == 'logit_kd teacher cache']
    assert len(cached) == 3 * 2 and all('_from_nin' in t for t in cached)
    trains = [line for line in lines if 'dist_train.sh' in line]
    assert sum('model.teacher_cache=auto' in line for line in trains) == 6
    assert sum('build_teacher_cache.py' in line for line in lines) == 1


def test_no_teacher_cache_runs_the_teacher_in_every_step(tmp_path):
    result = run(python_tool('run_digits_experiments.py', '--dry-run',
                             '--methods', 'logit_kd', '--seeds', 0,
                             '--no-teacher-cache', '--work-dir', tmp_path),
                 cwd=REPO)
    assert 'model.teacher_cache' not in result.stdout
    assert 'build_teacher_cache.py' not in result.stdout
    assert result.stdout.count('ETA ?') == 1 + 4


def test_cache_saving_is_the_skipped_teacher_time_less_the_build(tmp_path):
    tool = load_tool('run_digits_experiments.py')
    record = tmp_path / tool.CACHE_RECORD
    record.parent.mkdir(parents=True)
    record.write_text(
        '{"shape": [200, 81, 10], "build_seconds": 60.0, '
        '"teacher_images_per_second": 300.0, "directory": "t"}')
    line = tool.cache_saving(str(tmp_path), [0, 1, 2], None)
    # 9 runs x 60 epochs x 200 images = 108,000 forwards = 360 s at 300/s;
    # less the 60 s build: 300 s saved
    assert 'its 9 KD-family runs skipped 108,000 teacher forwards' in line
    assert 'about 0:06:00: saved about 0:05:00 net' in line
    assert tool.cache_saving(str(tmp_path / 'none'), [0], None) is None



def test_zoo_dry_run_passes_trained_teachers_and_the_stage_1_paraphraser(
        tmp_path):
    result = run(python_tool('run_digits_experiments.py', '--dry-run',
                             '--methods', 'mmrazor_zoo', '--seeds', 0, 1,
                             '--work-dir', tmp_path), cwd=REPO)
    lines = result.stdout.splitlines()
    steps = [line for line in lines if line.startswith('[')]
    # two teachers, the paraphraser, then per seed: 2 students alone,
    # Factor Transfer stage 2, KD, DKD and DIST
    assert len(steps) == 3 + 2 * 6
    trains = [line for line in lines if 'dist_train.sh' in line]
    zoo = [line for line in trains if 'mmrazor::distill/mmcls/' in line]
    assert len(zoo) == 1 + 2 * 4
    assert all('overlay=configs/mmrazor_zoo/digits_low_data.py' in line
               for line in trains)
    # no download: every zoo run gets a teacher trained by an earlier step
    for line in zoo:
        teacher = ('resnet50_8xb16_cifar10/epoch_15.pth'
                   if 'factor-transfer' in line
                   else 'resnet34_8xb32_in1k/epoch_30.pth')
        assert f'model.teacher_ckpt={tmp_path}/mmrazor_zoo/{teacher}' in line
        assert 'model.teacher.pretrained=False' in line
    stage2 = [line for line in zoo if '_train.py' in line]
    assert len(stage2) == 2 and all(
        'model.init_cfg.checkpoint=' f'{tmp_path}/mmrazor_zoo/factor-'
        'transfer_backbone_resnet50_resnet18_8xb16_cifar10_pretrain/'
        'epoch_10.pth' in line for line in stage2)
    assert not list(tmp_path.iterdir())

def shell_step(module, title, script, output, needs=()):
    return module.Step(title, [(['sh', '-c', script], str(output))],
                       tuple(needs))


def test_runner_waits_for_needs_and_stops_the_dependents_of_a_failure(
        tmp_path, capsys):
    tool = load_tool('run_digits_experiments.py')
    out = tmp_path
    plan = [
        shell_step(tool, 'slow need', f'sleep 1; echo a > {out}/a',
                   out / 'a'),
        # fails unless its need has finished before it starts
        shell_step(tool, 'needs slow', f'test -f {out}/a && echo b > {out}/b',
                   out / 'b', ['slow need']),
        shell_step(tool, 'broken', 'echo "bad config" >&2; exit 3',
                   out / 'never'),
        shell_step(tool, 'needs broken', f'echo e > {out}/e', out / 'e',
                   ['broken']),
        shell_step(tool, 'independent', f'echo c > {out}/c', out / 'c'),
    ]
    with pytest.raises(SystemExit) as failure:
        tool.PlanRunner(plan, str(tmp_path), 2, env=None).run()
    message = str(failure.value)
    assert 'broken failed (exit 3)' in message
    assert 'needs broken: not run' in message
    assert (out / 'b').exists() and (out / 'c').exists()
    assert not (out / 'e').exists()
    # the failed run's output is in its log, named by the message
    log = re.search(r'see (\S+)', message).group(1)
    assert 'bad config' in open(log).read()

    # a rerun makes only what is missing
    capsys.readouterr()
    plan = [step for step in plan if 'broken' not in step.title]
    tool.PlanRunner(plan, str(tmp_path), 2, env=None).run()
    assert capsys.readouterr().out.count('exists: not made again') == 3


def test_factor_transfer_and_structure_learning_smoke_run(tmp_path):
    run(python_tool('run_digits_experiments.py', '--methods',
                    'factor_transfer', 'structure_learning', '--seeds', 0,
                    '--epochs', 1, '--work-dir', tmp_path),
        cwd=REPO, timeout=900)
    rows = {row['name']: row
            for row in csv.DictReader((tmp_path / 'summary.csv').open())}
    students = ['student_kd', 'student_alone', 'uniform_alone', 'uniform_kd']
    assert set(rows) == {
        'reduce20-w1-e1-teacher_1xb64_digits',
        'ft_reduce20-w1-student_from_reduce20-w1-e1-teacher_1xb64_digits_'
        'pretrain',
        'ft_reduce20-w1-student_from_reduce20-w1-e1-teacher_1xb64_digits_'
        'train',
        'resnet20_1xb64_digits', *students}
    # the students were tested through dist_test.sh --metrics-json
    for name in students + ['resnet20_1xb64_digits', 'ft_reduce20-w1-student'
                            '_from_reduce20-w1-e1-teacher_1xb64_digits_train']:
        assert rows[name]['test_top1_mean'], name
    for method in ('factor_transfer', 'structure_learning'):
        png = tmp_path / f'curves_{method}.png'
        assert png.read_bytes()[:4] == b'\x89PNG'
