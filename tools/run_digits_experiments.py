"""Rerun the method READMEs' digits experiments, then tabulate and plot them.

    python tools/run_digits_experiments.py
        [--methods reducenet factor_transfer structure_learning logit_kd
                   reducenet_mbv2 structure_learning_mbv2 mmrazor_zoo]
        [--seeds 0 1 2] [--jobs 2] [--work-dir work_dirs/digits_experiments]
        [--epochs N] [--no-teacher-cache] [--dry-run]

Every run goes through the users' commands (``tools/dist_train.sh``,
``tools/dist_test.sh --eval accuracy --metrics-json``,
``tools/reducenet_pipeline.py``, ``tools/structure_search.py``), in the
low-data regime of the READMEs (20 training images per class):

- logit KD: the NiN-BN teacher, its teacher-output table
  (``tools/build_teacher_cache.py``), then the LeNet student alone and with
  logit regression, noisy teacher and Hinton KD per seed, the three
  distillations reading the teacher's logits from the table
  (``model.teacher_cache=auto``: the same results as running the teacher,
  see ``docs/teacher_cache.md``; ``--no-teacher-cache`` runs it instead);
- ReduceNet: ``reducenet_pipeline.py`` per seed (teacher, student alone,
  ReduceNet student with its LoRA branch fused);
- Factor Transfer: on the ReduceNet teacher of the first seed, the
  paraphraser once (stage 1), then the student per seed (stage 2); its
  student-alone baseline is the ReduceNet pipeline's;
- structure learning: the ResNet-20 teacher, one search at ``flops=0.5``,
  then its four written students (learned + KD, learned alone, uniform
  alone, uniform + KD) per seed, 40 epochs each as in its README;
- ReduceNet on MobileNetV2 (``reducenet_mbv2``): per seed the teacher, the
  plain MobileNetV2 alone, and the stage-2 student with its LoRA branch,
  fused by ``tools/model_converters/reparameterize.py`` and tested with the
  plain config;
- structure learning on MobileNetV2 (``structure_learning_mbv2``): the
  plain MobileNetV2 of seed 0 above as the teacher, one search at
  ``flops=0.5``, then its four written students per seed, 40 epochs;
- mmrazor's zoo: its KD, DKD and DIST configs (ResNet-34 -> ResNet-18) and
  its two Factor Transfer stages (ResNet-50 -> ResNet-18, CIFAR layout),
  unmodified, with the overlay ``configs/mmrazor_zoo/digits_low_data.py``;
  their teachers and students alone are mmpretrain's own configs through
  the same overlay (a few epochs each: ``ZOO_EPOCHS``).

Runs start as soon as the runs they need have finished, ``--jobs`` at a
time (default 2). Unless ``OMP_NUM_THREADS`` is set, each run gets
``cpu_count // jobs`` threads (1 on a 2-core machine, the setting of the
READMEs' tables: CPU results depend on the thread count). Each run's
output goes to ``WORK/logs/<run>.log``; a failed run names its log and
stops the runs that need it. A run whose final file exists is not done
again, so a rerun continues where one stopped. Progress and an ETA (the
median duration so far x the runs left / jobs) are printed as runs
start. At the end ``tools/analysis/summarize.py`` writes
``WORK/summary.md`` and ``WORK/summary.csv`` over everything, and
``tools/analysis/plot_curves.py`` writes ``WORK/curves_<method>.png`` of
seed ``--seeds[0]``, and the time the teacher cache saved is printed.

``--epochs N`` shortens every training (and the block-wise search) to a
smoke run; the tables then say nothing about the methods.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import threading
import time

from _progress import REPO, clock, log_name, run_logged, tool

LOGIT_KD = 'configs/logit_kd'
#: The logit KD digits demo: its teacher, then the students of its table.
LOGIT_KD_TEACHER = ('nin-bn_1xb16_digits', 30)
LOGIT_KD_STUDENTS = ('lenet_1xb16_digits',
                     'logit-regression_lenet_from_nin-bn_1xb16_digits',
                     'noisy-teacher_lenet_from_nin-bn_1xb16_digits',
                     'kd_lenet_from_nin-bn_1xb16_digits')
LOGIT_KD_EPOCHS = 60
#: Where the logit KD teacher cache's build record goes, under WORK.
CACHE_RECORD = osp.join('logit_kd', 'teacher_cache.json')

REDUCENET_TEACHER = 'configs/reducenet/reduce20-w1-e1-teacher_1xb64_digits.py'
REDUCENET_EPOCHS = 80

FT_CONFIG = ('configs/factor_transfer/ft_reduce20-w1-student_from_'
             'reduce20-w1-e1-teacher_1xb64_digits_{}.py')
FT_PRETRAIN_EPOCHS = 150
FT_EPOCHS = 80

STRUCTURE = 'configs/structure_learning'
STRUCTURE_TEACHER_EPOCHS = 80
STRUCTURE_BUDGET = 'flops=0.5'
#: The configs a search writes, as in the structure learning README table.
STRUCTURE_STUDENTS = ('student_kd', 'student_alone', 'uniform_alone',
                      'uniform_kd')
STRUCTURE_EPOCHS = 40
#: Block-wise iterations of a smoke run (``--epochs``).
SMOKE_BLOCKWISE_ITERS = 4

MBV2 = dict(
    teacher='configs/reducenet/reduce-mbv2-w050-e1-teacher_1xb64_digits.py',
    plain='configs/reducenet/mbv2-w050-student_1xb64_digits.py',
    stage2='configs/reducenet/reducenet-lora_mbv2-w050-student_from_'
    'reduce-mbv2-w050-e1-teacher_1xb64_digits.py',
    search=osp.join(STRUCTURE, 'search_mbv2-w050_1xb64_digits.py'))

ZOO = 'mmrazor::distill/mmcls/'
ZOO_OVERLAY = 'overlay=configs/mmrazor_zoo/digits_low_data.py'
#: The trained teacher instead of the zoo's download (some zoo configs also
#: say ``teacher.pretrained=True``, a second download of the same weights).
ZOO_TEACHER = ('model.teacher_ckpt={}', 'model.teacher.pretrained=False')
#: (teacher, student alone, distillation configs) of the zoo's logit runs.
ZOO_LOGITS = ('mmpretrain::resnet/resnet34_8xb32_in1k.py',
              'mmpretrain::resnet/resnet18_8xb32_in1k.py',
              ('kd/kd_logits_resnet34_resnet18_8xb32_in1k.py',
               'dkd/dkd_resnet34_resnet18_8xb32_in1k.py',
               'dist/dist_logits_resnet34_resnet18_8xb32_in1k.py'))
ZOO_FT = ('mmpretrain::resnet/resnet50_8xb16_cifar10.py',
          'mmpretrain::resnet/resnet18_8xb16_cifar10.py',
          'factor_transfer/factor-transfer_backbone_resnet50_resnet18_'
          '8xb16_cifar10_{}.py')
#: Epochs of the zoo runs: (ResNet-34/18 runs, Factor Transfer runs, its
#: paraphraser); the CIFAR-layout ResNet-50 costs 10x the ResNet-34 here.
ZOO_EPOCHS = (30, 15, 10)

Step = collections.namedtuple('Step', 'title commands needs')
Step.__doc__ = """One run, after the steps titled in ``needs`` have
finished: ``commands`` are ``(argv, output file)`` pairs, and a command
whose output file exists is not run again."""


def train_and_test(title, config, work_dir, epochs, options, needs=(),
                   schedule_epochs=False):
    """A step that trains ``config`` into ``work_dir`` and tests its last
    checkpoint; ``schedule_epochs`` also sets the cosine ``T_max``."""
    options = list(options) + [f'train_cfg.max_epochs={epochs}']
    if schedule_epochs:
        options.append(f'param_scheduler.T_max={epochs}')
    last = osp.join(work_dir, f'epoch_{epochs}.pth')
    train = tool('dist_train.sh', 'local', 'digits', config, work_dir,
                 '--cfg-options', *options)
    test = tool('dist_test.sh', 'local', 'digits', config, last, '--eval',
                'accuracy', '--metrics-json',
                osp.join(work_dir, 'metrics.json'), '--work-dir',
                osp.join(work_dir, 'test'), '--cfg-options', *options)
    return Step(title, [(train, last),
                        (test, osp.join(work_dir, 'metrics.json'))],
                tuple(needs))


def teacher_cache_step(title, config, teacher_ckpt, out_json, needs):
    """A step that builds the teacher-output table of ``config``."""
    build = tool('build_teacher_cache.py', config, '--out-json', out_json,
                 '--cfg-options', f'model.teacher_ckpt={teacher_ckpt}')
    return Step(title, [(build, out_json)], tuple(needs))


def logit_kd_plan(work, seeds, epochs, teacher_cache=True):
    """The NiN-BN teacher (and its teacher-output table), then four LeNet
    students per seed."""
    name, teacher_epochs = LOGIT_KD_TEACHER
    teacher_epochs = epochs or teacher_epochs
    teacher_dir = osp.join(work, 'logit_kd', name)
    teacher = train_and_test(f'logit_kd {name}',
                             osp.join(LOGIT_KD, name + '.py'), teacher_dir,
                             teacher_epochs, [])
    teacher_ckpt = osp.join(teacher_dir, f'epoch_{teacher_epochs}.pth')
    plan = [teacher]
    distill_needs, cache_options = (teacher.title, ), []
    if teacher_cache:
        # one table serves the three distillations: same teacher and data
        plan.append(teacher_cache_step(
            'logit_kd teacher cache',
            osp.join(LOGIT_KD, LOGIT_KD_STUDENTS[-1] + '.py'), teacher_ckpt,
            osp.join(work, CACHE_RECORD), (teacher.title, )))
        distill_needs, cache_options = (plan[-1].title, ), [
            'model.teacher_cache=auto']
    for seed in seeds:
        for student in LOGIT_KD_STUDENTS:
            options = [f'randomness.seed={seed}']
            needs = ()
            if '_from_' in student:
                options += [f'model.teacher_ckpt={teacher_ckpt}',
                            *cache_options]
                needs = distill_needs
            plan.append(train_and_test(
                f'logit_kd {student} seed {seed}',
                osp.join(LOGIT_KD, student + '.py'),
                osp.join(work, 'logit_kd', f'{student}_seed{seed}'),
                epochs or LOGIT_KD_EPOCHS, options, needs))
    return plan


def reducenet_teacher(work, seed, epochs):
    """The ReduceNet teacher of ``seed`` exactly as the pipeline trains it
    (a step of its own so that Factor Transfer can start from it early),
    and its checkpoint."""
    epochs = epochs or REDUCENET_EPOCHS
    work_dir = osp.join(work, 'reducenet', f'seed{seed}', 'teacher')
    last = osp.join(work_dir, f'epoch_{epochs}.pth')
    train = tool('dist_train.sh', 'local', 'digits', REDUCENET_TEACHER,
                 work_dir, '--cfg-options', f'randomness.seed={seed}',
                 f'train_cfg.max_epochs={epochs}',
                 f'param_scheduler.T_max={epochs}')
    return Step(f'reducenet teacher seed {seed}', [(train, last)], ()), last


def reducenet_plan(work, seeds, epochs):
    """Per seed: the teacher, then the rest of ``reducenet_pipeline.py``."""
    plan = []
    for seed in seeds:
        teacher, _ = reducenet_teacher(work, seed, epochs)
        seed_dir = osp.join(work, 'reducenet', f'seed{seed}')
        command = tool('reducenet_pipeline.py', '--seed', seed, '--epochs',
                       epochs or REDUCENET_EPOCHS, '--work-dir', seed_dir)
        plan += [teacher,
                 Step(f'reducenet pipeline seed {seed}',
                      [(command, osp.join(seed_dir, 'results.md'))],
                      (teacher.title, ))]
    return plan


def factor_transfer_plan(work, seeds, epochs):
    """Stage 1 on the first seed's ReduceNet teacher, stage 2 per seed."""
    teacher, teacher_ckpt = reducenet_teacher(work, seeds[0], epochs)
    pretrain_epochs = epochs or FT_PRETRAIN_EPOCHS
    pretrain_dir = osp.join(work, 'factor_transfer', 'pretrain')
    paraphraser = osp.join(pretrain_dir, f'epoch_{pretrain_epochs}.pth')
    pretrain = Step(
        'factor_transfer paraphraser (stage 1)',
        [(tool('dist_train.sh', 'local', 'digits',
               FT_CONFIG.format('pretrain'), pretrain_dir, '--cfg-options',
               f'model.teacher_ckpt={teacher_ckpt}',
               f'train_cfg.max_epochs={pretrain_epochs}',
               f'train_cfg.val_interval={pretrain_epochs}'), paraphraser)],
        (teacher.title, ))
    plan = [teacher, pretrain]
    for seed in seeds:
        plan.append(train_and_test(
            f'factor_transfer student seed {seed}', FT_CONFIG.format('train'),
            osp.join(work, 'factor_transfer', f'student_seed{seed}'),
            epochs or FT_EPOCHS,
            [f'randomness.seed={seed}', f'model.teacher_ckpt={teacher_ckpt}',
             f'model.paraphraser_ckpt={paraphraser}'],
            (pretrain.title, ), schedule_epochs=True))
    return plan


def search_step(method, config, teacher, teacher_ckpt, root, epochs):
    """One structure search at ``STRUCTURE_BUDGET`` after the ``teacher``
    step, and its work dir."""
    search_dir = osp.join(root, 'search_' + STRUCTURE_BUDGET.replace('=', ''))
    search = Step(
        f'{method} search {STRUCTURE_BUDGET}',
        [(tool('structure_search.py', config, '--budget', STRUCTURE_BUDGET,
               '--work-dir', search_dir, '--teacher-ckpt', teacher_ckpt,
               *(['--blockwise-iters', SMOKE_BLOCKWISE_ITERS]
                 if epochs else [])), osp.join(search_dir, 'choice.json'))],
        (teacher.title, ))
    return search, search_dir


def structure_students(method, search, search_dir, seeds, epochs):
    """The four students a search writes, per seed."""
    return [train_and_test(
        f'{method} {student} seed {seed}',
        osp.join(search_dir, student + '.py'),
        osp.join(search_dir, f'seed{seed}', student),
        epochs or STRUCTURE_EPOCHS, [f'randomness.seed={seed}'],
        (search.title, ), schedule_epochs=True)
        for seed in seeds for student in STRUCTURE_STUDENTS]


def structure_learning_plan(work, seeds, epochs):
    """The teacher, one search, its four students per seed."""
    root = osp.join(work, 'structure_learning')
    teacher_epochs = epochs or STRUCTURE_TEACHER_EPOCHS
    teacher_dir = osp.join(root, 'resnet20_1xb64_digits')
    teacher = train_and_test(
        'structure_learning teacher',
        osp.join(STRUCTURE, 'resnet20_1xb64_digits.py'), teacher_dir,
        teacher_epochs, [], schedule_epochs=True)
    search, search_dir = search_step(
        'structure_learning',
        osp.join(STRUCTURE, 'search_resnet20_1xb64_digits.py'), teacher,
        osp.join(teacher_dir, f'epoch_{teacher_epochs}.pth'), root, epochs)
    return [teacher, search] + structure_students(
        'structure_learning', search, search_dir, seeds, epochs)


def mbv2_plain(work, seed, epochs):
    """The plain MobileNetV2 of ``seed`` trained alone (ReduceNet's
    baseline, and structure learning's teacher for the first seed), and its
    checkpoint."""
    epochs = epochs or REDUCENET_EPOCHS
    work_dir = osp.join(work, 'reducenet_mbv2', f'seed{seed}',
                        'student_alone')
    step = train_and_test(f'reducenet_mbv2 student alone seed {seed}',
                          MBV2['plain'], work_dir, epochs,
                          [f'randomness.seed={seed}'], schedule_epochs=True)
    return step, osp.join(work_dir, f'epoch_{epochs}.pth')


def reducenet_mbv2_plan(work, seeds, epochs):
    """Per seed: the teacher, the plain MobileNetV2 alone, the stage-2
    student (inherit + KD + LoRA), fused and tested with the plain config."""
    epochs = epochs or REDUCENET_EPOCHS
    plan = []
    for seed in seeds:
        seed_dir = osp.join(work, 'reducenet_mbv2', f'seed{seed}')
        teacher = train_and_test(
            f'reducenet_mbv2 teacher seed {seed}', MBV2['teacher'],
            osp.join(seed_dir, 'teacher'), epochs,
            [f'randomness.seed={seed}'], schedule_epochs=True)
        stage2_dir = osp.join(seed_dir, 'reducenet')
        last = osp.join(stage2_dir, f'epoch_{epochs}.pth')
        fused = osp.join(stage2_dir, 'fused.pth')
        options = [f'randomness.seed={seed}', f'train_cfg.max_epochs={epochs}',
                   f'param_scheduler.T_max={epochs}']
        stage2 = Step(f'reducenet_mbv2 student seed {seed}', [
            (tool('dist_train.sh', 'local', 'digits', MBV2['stage2'],
                  stage2_dir, '--cfg-options', *options,
                  'model.teacher_ckpt=' + osp.join(
                      seed_dir, 'teacher', f'epoch_{epochs}.pth')), last),
            (tool('model_converters/reparameterize.py', MBV2['stage2'], last,
                  fused), fused),
            (tool('dist_test.sh', 'local', 'digits', MBV2['plain'], fused,
                  '--eval', 'accuracy', '--metrics-json',
                  osp.join(stage2_dir, 'metrics.json'), '--work-dir',
                  osp.join(stage2_dir, 'test')),
             osp.join(stage2_dir, 'metrics.json'))], (teacher.title, ))
        plan += [teacher, mbv2_plain(work, seed, epochs)[0], stage2]
    return plan


def structure_learning_mbv2_plan(work, seeds, epochs):
    """The plain MobileNetV2 of the first seed as teacher, one search, its
    four students per seed."""
    teacher, teacher_ckpt = mbv2_plain(work, seeds[0], epochs)
    search, search_dir = search_step(
        'structure_learning_mbv2', MBV2['search'], teacher, teacher_ckpt,
        osp.join(work, 'structure_learning_mbv2'), epochs)
    return [teacher, search] + structure_students(
        'structure_learning_mbv2', search, search_dir, seeds, epochs)


def zoo_plan(work, seeds, epochs):
    """mmrazor's KD, DKD, DIST and Factor Transfer configs on the digits."""
    root = osp.join(work, 'mmrazor_zoo')
    logit_epochs, ft_epochs, pretrain_epochs = (
        (epochs, ) * 3 if epochs else ZOO_EPOCHS)

    def name(config):
        return osp.splitext(osp.basename(config))[0]

    def teacher_step(config, epochs):
        work_dir = osp.join(root, name(config))
        return (train_and_test(f'mmrazor_zoo teacher {name(config)}', config,
                               work_dir, epochs, [ZOO_OVERLAY]),
                osp.join(work_dir, f'epoch_{epochs}.pth'))

    def per_seed(title, config, epochs, options, needs):
        return [train_and_test(
            f'mmrazor_zoo {title} seed {seed}', config,
            osp.join(root, f'{name(config)}_seed{seed}'), epochs,
            [ZOO_OVERLAY, f'randomness.seed={seed}', *options], needs)
            for seed in seeds]

    # the longest chain first: Factor Transfer's teacher, then its stages
    teacher, student, stages = ZOO_FT
    ft_teacher, ft_ckpt = teacher_step(teacher, ft_epochs)
    pretrain_dir = osp.join(root, name(stages.format('pretrain')))
    paraphraser = osp.join(pretrain_dir, f'epoch_{pretrain_epochs}.pth')
    pretrain = Step(
        'mmrazor_zoo factor_transfer paraphraser (stage 1)',
        [(tool('dist_train.sh', 'local', 'digits',
               ZOO + stages.format('pretrain'), pretrain_dir,
               '--cfg-options', ZOO_OVERLAY, ZOO_TEACHER[0].format(ft_ckpt),
               ZOO_TEACHER[1],
               f'train_cfg.max_epochs={pretrain_epochs}'), paraphraser)],
        (ft_teacher.title, ))
    plan = [ft_teacher, pretrain]
    plan += per_seed(name(student), student, ft_epochs, [], ())
    plan += per_seed('factor_transfer student (stage 2)',
                     ZOO + stages.format('train'), ft_epochs,
                     [ZOO_TEACHER[0].format(ft_ckpt), ZOO_TEACHER[1],
                      f'model.init_cfg.checkpoint={paraphraser}'],
                     (pretrain.title, ))
    teacher, student, distills = ZOO_LOGITS
    logit_teacher, logit_ckpt = teacher_step(teacher, logit_epochs)
    plan += [logit_teacher]
    plan += per_seed(name(student), student, logit_epochs, [], ())
    for config in distills:
        plan += per_seed(name(config), ZOO + config, logit_epochs,
                         [ZOO_TEACHER[0].format(logit_ckpt), ZOO_TEACHER[1]],
                         (logit_teacher.title, ))
    return plan


#: The longest chains of runs first, so that the last runs are short ones.
PLANS = dict(reducenet=reducenet_plan, factor_transfer=factor_transfer_plan,
             structure_learning=structure_learning_plan,
             reducenet_mbv2=reducenet_mbv2_plan,
             structure_learning_mbv2=structure_learning_mbv2_plan,
             logit_kd=logit_kd_plan, mmrazor_zoo=zoo_plan)
#: What runs without ``--methods``: reducekd's own methods (the zoo's runs,
#: ``make zoo-experiments``, take as long again).
DEFAULT_METHODS = ('reducenet', 'factor_transfer', 'structure_learning',
                   'reducenet_mbv2', 'structure_learning_mbv2', 'logit_kd')


def structure_curves(teacher, root):
    """The teacher and the four students of a structure search's figure."""
    search = f'{root}/search_' + STRUCTURE_BUDGET.replace('=', '')
    return [teacher] + [
        (label, f'{search}/seed{{seed}}/{student}')
        for label, student in (('learned + KD', 'student_kd'),
                               ('learned alone', 'student_alone'),
                               ('uniform alone', 'uniform_alone'),
                               ('uniform + KD', 'uniform_kd'))]


#: The runs of each method's figure: (label, path under WORK with {seed}).
CURVES = dict(
    reducenet=[('teacher (stage 1)', 'reducenet/seed{seed}/teacher'),
               ('student alone', 'reducenet/seed{seed}/student_alone'),
               ('ReduceNet student (inherit + KD + LoRA)',
                'reducenet/seed{seed}/reducenet')],
    factor_transfer=[
        ('teacher', 'reducenet/seed{seed}/teacher'),
        ('student alone', 'reducenet/seed{seed}/student_alone'),
        ('Factor Transfer student', 'factor_transfer/student_seed{seed}')],
    structure_learning=structure_curves(
        ('teacher ResNet-20', 'structure_learning/resnet20_1xb64_digits'),
        'structure_learning'),
    reducenet_mbv2=[
        ('teacher (stage 1)', 'reducenet_mbv2/seed{seed}/teacher'),
        ('MobileNetV2 alone', 'reducenet_mbv2/seed{seed}/student_alone'),
        ('ReduceNet student (inherit + KD + LoRA)',
         'reducenet_mbv2/seed{seed}/reducenet')],
    structure_learning_mbv2=structure_curves(
        ('teacher MobileNetV2', 'reducenet_mbv2/seed0/student_alone'),
        'structure_learning_mbv2'),
    logit_kd=[('teacher NiN-BN', 'logit_kd/' + LOGIT_KD_TEACHER[0])] + [
        (label, f'logit_kd/{student}_seed{{seed}}')
        for label, student in zip(
            ('student alone', '[1] logit regression', '[2] noisy teacher',
             '[3] Hinton KD'), LOGIT_KD_STUDENTS)],
    mmrazor_zoo=[('teacher ResNet-34', 'mmrazor_zoo/resnet34_8xb32_in1k'),
                 ('ResNet-18 alone',
                  'mmrazor_zoo/resnet18_8xb32_in1k_seed{seed}')] + [
        (label, 'mmrazor_zoo/' + osp.splitext(osp.basename(config))[0]
         + '_seed{seed}')
        for label, config in zip(('KD', 'DKD', 'DIST'), ZOO_LOGITS[2])])


def plan_of(methods, work, seeds, epochs, teacher_cache=True):
    """The steps of ``methods``; a step two methods share (the ReduceNet
    teacher) appears once. ``teacher_cache`` applies to the logit KD runs."""
    plan, titles = [], set()
    for method in methods:
        options = dict(teacher_cache=teacher_cache) \
            if method == 'logit_kd' else {}
        for step in PLANS[method](work, seeds, epochs, **options):
            if step.title not in titles:
                titles.add(step.title)
                plan.append(step)
    return plan


class PlanRunner:
    """Runs the steps of a plan ``jobs`` at a time, each once its needs
    have finished; a step whose need failed is not run."""

    def __init__(self, plan, work, jobs, env):
        self.plan, self.jobs, self.env = plan, jobs, env
        self.log_dir = osp.join(work, 'logs')
        self.durations, self.started_steps = [], 0
        self.lock = threading.Lock()
        self.started = time.time()

    def progress(self, step):
        with self.lock:
            self.started_steps += 1
            left = len(self.plan) - self.started_steps + 1
            eta = (clock(statistics.median(self.durations) * left / self.jobs)
                   if self.durations else '?')
            print(f'[{self.started_steps}/{len(self.plan)}] {step.title}  '
                  f'elapsed {clock(time.time() - self.started)}, ETA {eta}',
                  flush=True)

    def run_step(self, step):
        """Run the commands of ``step`` whose outputs do not exist."""
        self.progress(step)
        os.makedirs(self.log_dir, exist_ok=True)
        log = osp.join(self.log_dir, log_name(step.title))
        step_start, ran = time.time(), False
        for command, output in step.commands:
            if osp.exists(output):
                print(f'  {output} exists: not made again', flush=True)
                continue
            ran = True
            print('  $ ' + ' '.join(command), flush=True)
            status = run_logged(command, log, cwd=REPO, env=self.env)
            if status:
                raise RuntimeError(f'{step.title} failed (exit {status}); '
                                   f'see {log}')
        if not ran:
            return
        with self.lock:
            self.durations.append(time.time() - step_start)
        print(f'  done: {step.title} in {clock(time.time() - step_start)}',
              flush=True)

    def run(self):
        """Run the plan; exit with the failures once nothing more can run."""
        pending, running, finished, failures = list(self.plan), {}, set(), []
        blocked = set()
        with concurrent.futures.ThreadPoolExecutor(self.jobs) as pool:
            while pending or running:
                for step in list(pending):
                    if blocked.intersection(step.needs):
                        pending.remove(step)
                        blocked.add(step.title)
                        failures.append(f'{step.title}: not run, a run it '
                                        'needs failed')
                    elif (len(running) < self.jobs
                          and finished.issuperset(step.needs)):
                        pending.remove(step)
                        running[pool.submit(self.run_step, step)] = step
                if not running:
                    failures += [f'{step.title}: not run, needs '
                                 f'{step.needs}' for step in pending]
                    break
                done, _ = concurrent.futures.wait(
                    running, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    step = running.pop(future)
                    if future.exception():
                        blocked.add(step.title)
                        failures.append(str(future.exception()))
                        print(f'  FAILED: {future.exception()}', flush=True)
                    else:
                        finished.add(step.title)
        if failures:
            sys.exit('\n'.join(failures))


def dry_run(plan):
    for index, step in enumerate(plan, 1):
        after = f' (after: {", ".join(step.needs)})' if step.needs else ''
        print(f'[{index}/{len(plan)}] {step.title}{after}  ETA ?')
        for command, _ in step.commands:
            print('  $ ' + ' '.join(command))


def report(work, methods, seed):
    """summary.md/.csv over ``work``; a curves PNG per method."""
    run = [tool('analysis/summarize.py', work, '--out-md',
                osp.join(work, 'summary.md'), '--out-csv',
                osp.join(work, 'summary.csv'))]
    for method in methods:
        # without the ReduceNet runs, the Factor Transfer figure has no
        # student-alone curve
        runs = [(label, osp.join(work, path.format(seed=seed)))
                for label, path in CURVES[method]]
        runs = [(label, path) for label, path in runs if osp.isdir(path)]
        run.append(tool('analysis/plot_curves.py',
                        *[path for _, path in runs], '--labels',
                        *[label for label, _ in runs], '--out',
                        osp.join(work, f'curves_{method}.png'), '--title',
                        f'{method} on the digits, seed {seed}'))
    for command in run:
        subprocess.run(command, check=True, cwd=REPO,
                       stdout=subprocess.DEVNULL)
    print(open(osp.join(work, 'summary.md')).read())


def cache_saving(work, seeds, epochs):
    """What the logit KD teacher cache saved, as a line; None without one.

    The saving is estimated from measured figures: the cached runs skipped
    ``runs x epochs x training images`` teacher forwards, at the images/s
    the table's build measured (batches of 256: at least as fast per image
    as the training batches of 16, so the estimate is low), less the build
    time.
    """
    record = osp.join(work, CACHE_RECORD)
    if not osp.isfile(record):
        return None
    with open(record) as file:
        meta = json.load(file)
    runs = len(seeds) * sum('_from_' in s for s in LOGIT_KD_STUDENTS)
    skipped = runs * (epochs or LOGIT_KD_EPOCHS) * meta['shape'][0]
    rate = meta.get('teacher_images_per_second')
    if not rate:
        return f'teacher cache: {meta["directory"]} (built before this run)'
    build = meta['build_seconds']
    saved = skipped / rate - build
    return (f'teacher cache: built in {clock(build)} ({meta["shape"][0]} '
            f'images x {meta["shape"][1]} views at {rate:.0f} images/s); '
            f'its {runs} KD-family runs skipped {skipped:,} teacher forwards'
            f', about {clock(skipped / rate)}: saved about {clock(saved)} '
            'net (estimated from the build\'s rate)')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--methods', nargs='+', choices=list(PLANS),
                        default=list(DEFAULT_METHODS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--jobs', type=int, default=2,
                        help='runs at once (default 2)')
    parser.add_argument('--work-dir', default='work_dirs/digits_experiments')
    parser.add_argument('--epochs', type=int,
                        help='shorten every training (smoke run)')
    parser.add_argument('--no-teacher-cache', action='store_true',
                        help='run the logit KD teacher in every step '
                        'instead of reading its logits from a table')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the commands only')
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error('--jobs must be at least 1')
    work = osp.abspath(args.work_dir)
    plan = plan_of(args.methods, work, args.seeds, args.epochs,
                   teacher_cache=not args.no_teacher_cache)
    if args.dry_run:
        dry_run(plan)
        return
    env = dict(os.environ)
    env.setdefault('OMP_NUM_THREADS',
                   str(max(1, (os.cpu_count() or 1) // args.jobs)))
    PlanRunner(plan, work, args.jobs, env).run()
    report(work, args.methods, args.seeds[0])
    saving = cache_saving(work, args.seeds, args.epochs)
    if saving and not args.no_teacher_cache:
        print(saving)


if __name__ == '__main__':
    main()
