"""Structure learning end to end: from a trained teacher to a student config.

`Compact CNN Structure Learning by Knowledge Distillation
<https://arxiv.org/abs/2104.09191>`_ (Ahmed, Zunino, Morerio, Murino, 2021)
learns a lighter CNN under a FLOPs or parameter budget by knowledge
distillation with block-wise optimisation. :func:`run_search`:

1. builds the teacher of a search config and loads its checkpoint strictly;
2. splits it into blocks and builds every candidate of the search space for
   each, checked to keep the block's shapes; measures every block's and
   candidate's cost with mmengine, and refuses an unreachable budget, or
   one that is not below the teacher's cost, before any training;
3. trains the candidates block-wise on the teacher's features
   (:mod:`.blockwise`) and scores them on held-out training images;
4. picks one option per block (the teacher's own block included) with the
   least total score within the budget, exactly (:mod:`.knapsack`);
5. assembles the student, initialised from the teacher and the trained
   candidates, measures it and refuses to write it over budget;
6. writes a KD fine-tuning config, a train-alone config, the uniformly
   thinned baseline of the same cost (alone and with KD), the init
   checkpoint and a table of the choice.
"""
import copy
import json
import os
import os.path as osp

import numpy as np
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmengine.runner.utils import set_random_seed
from mmpretrain.models.classifiers import ImageClassifier
from torch.utils.data import DataLoader, Subset

from reducekd.checkpoint import load_state_dict_strictly, save_atomically
from reducekd.complexity import human
from reducekd.errors import ConfigError
from reducekd.registry import DATASETS, MODELS

from .blocks import block_input_shapes, check_block_paths, \
    default_block_paths
from .blockwise import heldout_errors, train_blockwise
from .budget import check_below_teacher, parse_budget
from .candidates import build_candidate, candidate_name
from .costs import model_cost, module_cost
from .knapsack import check_reachable, choose, smallest_cost

#: Settings of ``search = dict(...)`` and their defaults.
DEFAULTS = dict(
    teacher_ckpt=None,
    input_shape=(3, 32, 32),
    blocks=None,
    candidates=[
        dict(type='ReducedWidth', ratio=0.75),
        dict(type='ReducedWidth', ratio=0.5),
        dict(type='ReducedWidth', ratio=0.25),
        dict(type='DepthwiseSeparable', ratio=1.0),
    ],
    feature_loss=dict(type='ReconstructionLoss', p=2),
    optimizer=dict(type='Adam', lr=1e-3),
    iters=300,
    batch_size=32,
    heldout_fraction=0.2,
    kd=dict(alpha=0.7, tau=5),
    # The block-wise initialised students fine-tune at this fraction of the
    # config's learning rate (the uniform baselines, randomly initialised,
    # train at the full rate): at the full rate their initialisation is
    # lost (configs/structure_learning/README.md).
    finetune_lr_scale=0.1,
    # Candidate type of the uniformly thinned baseline (None: no baseline).
    uniform_baseline='ReducedWidth',
)

#: Finest step of the uniform baseline's width ratio.
UNIFORM_STEPS = 64


def search_settings(cfg):
    """``DEFAULTS`` updated by the config's ``search`` dict.

    Raises:
        ConfigError: An unknown setting (a misspelt name would be
            ignored).
    """
    given = dict(cfg.get('search', {}))
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f'unknown search settings {unknown}; known: '
                          f'{sorted(DEFAULTS)}.')
    return dict(copy.deepcopy(DEFAULTS), **given)


def build_teacher(cfg, checkpoint):
    """The teacher of a search config, strictly loaded, frozen, eval mode.

    Raises:
        ConfigError: The teacher is not an ``ImageClassifier``.
        CheckpointError: The checkpoint is missing or does not match.
    """
    model_cfg = copy.deepcopy(cfg.model)
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    teacher = MODELS.build(model_cfg)
    if type(teacher) is not ImageClassifier:
        raise ConfigError(
            'structure learning assembles its student as a '
            'BlockSwappedClassifier, an ImageClassifier; the search config\'s '
            f'model is a {type(teacher).__name__}.')
    load_state_dict_strictly(
        teacher, checkpoint, what='teacher',
        hint='Give the checkpoint of the model in the search config '
        '(--teacher-ckpt or search.teacher_ckpt).')
    for param in teacher.parameters():
        param.requires_grad_(False)
    return teacher.eval()


def _loaders(cfg, settings, teacher, seed):
    """Endless training batches and a list of held-out batches, both
    preprocessed by the teacher's data preprocessor.

    The held-out images are a seeded ``heldout_fraction`` of the training
    set, read with the test pipeline; the rest, with the training pipeline
    (augmentation included), trains the candidates. No test image is used.
    """
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    train_set = DATASETS.build(dataset_cfg)
    eval_set = DATASETS.build(
        dict(dataset_cfg, pipeline=cfg.test_dataloader.dataset.pipeline))
    order = np.random.RandomState(seed).permutation(len(train_set))
    held = max(1, int(round(settings['heldout_fraction'] * len(order))))
    if held >= len(order) - 1:
        raise ConfigError(
            f'heldout_fraction leaves {len(order) - held} of {len(order)} '
            'training images for block-wise training; lower it.')
    batch_size = min(settings['batch_size'], len(order) - held)

    def preprocess(batch):
        return teacher.data_preprocessor(batch, training=False)['inputs']

    def endless():
        loader = DataLoader(Subset(train_set, order[held:].tolist()),
                            batch_size=batch_size, shuffle=True,
                            drop_last=True, collate_fn=pseudo_collate)
        while True:
            for batch in loader:
                yield preprocess(batch)

    heldout = [preprocess(batch) for batch in DataLoader(
        Subset(eval_set, order[:held].tolist()), batch_size=64,
        collate_fn=pseudo_collate)]
    return endless(), heldout


class _Block:
    """One block of the teacher: its options and their costs and scores.

    Option 0 is the teacher's own block (score 0); the others are the
    candidates of ``candidate_cfgs`` that apply to this block, in order (the
    identity, for one, only where the block keeps its shape).
    """

    def __init__(self, path, module, input_shape, candidate_cfgs):
        self.path = path
        self.input_shape = input_shape
        self.cfgs, self.modules = [None], [module]
        for cfg in candidate_cfgs:
            candidate = build_candidate(cfg, module, input_shape, path,
                                        skip_inapplicable=True)
            if candidate is not None:
                self.cfgs.append(cfg)
                self.modules.append(candidate)
        self.costs = [module_cost(m, input_shape) for m in self.modules]
        self.names = ['teacher block'] + [
            candidate_name(c) for c in self.cfgs[1:]]
        self.scores = [0.0] * len(self.modules)


def _swapped_blocks(blocks, indices):
    return [dict(path=block.path, candidate=block.cfgs[index])
            for block, index in zip(blocks, indices) if index > 0]


def _student_cfg(teacher_cfg, swapped, input_shape, init_checkpoint):
    return dict(copy.deepcopy(teacher_cfg), type='BlockSwappedClassifier',
                blocks=swapped, input_shape=list(input_shape),
                init_checkpoint=init_checkpoint)


def _init_state(teacher, student, blocks, indices):
    """The teacher's weights, with the trained candidates' in the swapped
    blocks: exactly the student's keys (checked by a strict load)."""
    swapped = {block.path: block.modules[index]
               for block, index in zip(blocks, indices) if index > 0}
    state = {key: value for key, value in teacher.state_dict().items()
             if not any(key.startswith(path + '.') for path in swapped)}
    for path, module in swapped.items():
        state.update({f'{path}.{key}': value
                      for key, value in module.state_dict().items()})
    student.load_state_dict(state, strict=True)
    return student.state_dict()


def uniform_ratio(teacher, blocks, candidate_type, metric, limit, fixed):
    """The largest width ratio ``k / UNIFORM_STEPS`` whose candidate, put in
    every block, costs at most ``limit`` (binary search: the cost grows
    with the ratio). Returns ``(ratio, cost)``, or ``(None, None)``."""

    def cost(step):
        return fixed + sum(module_cost(build_candidate(
            dict(type=candidate_type, ratio=step / UNIFORM_STEPS),
            teacher.get_submodule(b.path), b.input_shape, b.path),
            b.input_shape)[metric] for b in blocks)

    low, high, best = 1, UNIFORM_STEPS, None
    while low <= high:
        middle = (low + high) // 2
        if cost(middle) <= limit:
            best, low = middle, middle + 1
        else:
            high = middle - 1
    if best is None:
        return None, None
    return best / UNIFORM_STEPS, cost(best)


def _kd_model(student_cfg, teacher_cfg, teacher_ckpt, kd):
    return dict(
        type='StrictTeacherDistill',
        architecture=student_cfg,
        teacher=copy.deepcopy(teacher_cfg),
        teacher_ckpt=teacher_ckpt,
        student_loss_weight=round(1 - kd['alpha'], 10),
        distiller=dict(
            type='LogitDistiller',
            losses=dict(loss_kd=dict(type='KLDivergence', tau=kd['tau'],
                                     loss_weight=kd['alpha'],
                                     reduction='batchmean'))))


def _write_config(cfg, model, path, header, lr_scale=1.0):
    body = {key: value for key, value in cfg.to_dict().items()
            if key not in ('search', 'model', 'work_dir')}
    body['model'] = model
    body['optim_wrapper']['optimizer']['lr'] *= lr_scale
    if model['type'] == 'StrictTeacherDistill':
        body['find_unused_parameters'] = False
    Config(body).dump(path)
    with open(path) as file:
        text = file.read()
    with open(path, 'w') as file:
        file.write(''.join(f'# {line}\n' for line in header) + text)


def _cost_text(cost):
    return f'{human(cost["params"])} params, {human(cost["flops"])} MAdds'


def _choice_table(blocks, indices, teacher_cost, student_cost, budget,
                  uniform):
    lines = [
        '| block | input | chosen | params | MAdds | held-out error |',
        '|---|---|---|---|---|---|']
    for block, index in zip(blocks, indices):
        cost = block.costs[index]
        lines.append(
            f'| {block.path} | {"x".join(map(str, block.input_shape))} | '
            f'{block.names[index]} | {cost["params"]:,} | '
            f'{cost["flops"]:,} | {block.scores[index]:.4f} |')
    ratio = {m: student_cost[m] / teacher_cost[m] for m in teacher_cost}
    lines += [
        '', f'- teacher: {_cost_text(teacher_cost)}',
        f'- student (measured on the built model): '
        f'{_cost_text(student_cost)} = {ratio["flops"]:.3f} x the '
        f'teacher\'s MAdds, {ratio["params"]:.3f} x its params',
        f'- budget `{budget.text}`: {budget.metric} <= {budget.limit:,} '
        f'(student: {student_cost[budget.metric]:,})']
    if uniform:
        lines.append(
            f'- uniform baseline: {uniform["name"]} in every block, '
            f'{_cost_text(uniform["cost"])}')
    lines += ['', 'All options (params / MAdds / held-out error):', '',
              '| block | options |', '|---|---|']
    for block in blocks:
        cells = [f'{n}: {c["params"]:,} / {c["flops"]:,} / {s:.4f}'
                 for n, c, s in zip(block.names, block.costs, block.scores)]
        lines.append(f'| {block.path} | ' + '<br>'.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def run_search(config, budget, work_dir, teacher_ckpt=None, iters=None,
               seed=0, log=print):
    """Search a student under ``budget`` and write it to ``work_dir``.

    Args:
        config (str): A search config (the teacher's training config plus
            ``search = dict(...)``, see ``DEFAULTS``).
        budget (str): ``flops=0.5``, ``params=0.3``, ``flops=20M`` ...
        work_dir (str): Where the configs, checkpoint and table go.
        teacher_ckpt (str, optional): Overrides ``search.teacher_ckpt``.
        iters (int, optional): Overrides ``search.iters``.
        seed (int): Seed of the candidates' initialisation, the held-out
            split and the block-wise training.
        log (callable): Receives progress lines.

    Returns:
        dict: What was chosen and written (also in ``choice.json``).

    Raises:
        BudgetError: The budget is below the smallest reachable cost, or
            not below the teacher's.
        CandidateShapeError: A candidate does not keep its block's shapes.
        CheckpointError: The teacher checkpoint is missing or mismatched.
    """
    cfg = Config.fromfile(config)
    settings = search_settings(cfg)
    if teacher_ckpt is not None:
        settings['teacher_ckpt'] = teacher_ckpt
    if iters is not None:
        settings['iters'] = iters
    input_shape = tuple(settings['input_shape'])
    set_random_seed(seed)
    with DefaultScope.overwrite_default_scope('reducekd'):
        teacher = build_teacher(cfg, settings['teacher_ckpt'])
        paths = settings['blocks'] or default_block_paths(teacher)
        check_block_paths(teacher, paths)
        shapes = block_input_shapes(teacher, paths, input_shape)
        blocks = [_Block(p, teacher.get_submodule(p), shapes[p],
                         settings['candidates']) for p in paths]
        teacher_cost = model_cost(teacher, input_shape)
        parsed = parse_budget(budget, teacher_cost)
        metric = parsed.metric
        fixed = teacher_cost[metric] - sum(b.costs[0][metric] for b in blocks)
        costs = [[c[metric] for c in b.costs] for b in blocks]
        check_reachable(costs, parsed.limit, fixed, metric)
        check_below_teacher(parsed, teacher_cost, smallest_cost(costs, fixed))
        log(f'teacher: {_cost_text(teacher_cost)}; budget {metric} <= '
            f'{parsed.limit:,}; {len(blocks)} blocks x '
            f'{len(settings["candidates"])} candidates')

        batches, heldout = _loaders(cfg, settings, teacher, seed)
        trained = {b.path: b.modules[1:] for b in blocks}
        train_blockwise(teacher, trained, batches, settings['iters'],
                        settings['feature_loss'], settings['optimizer'], log)
        errors = heldout_errors(teacher, trained, heldout)
        for block in blocks:
            block.scores[1:] = errors[block.path]
            log(f'{block.path}: ' + ', '.join(
                f'{n} {s:.4f}' for n, s in zip(block.names, block.scores)))

        choice = choose(costs, [b.scores for b in blocks], parsed.limit,
                        fixed, metric)
        swapped = _swapped_blocks(blocks, choice.indices)
        os.makedirs(work_dir, exist_ok=True)
        init_path = osp.abspath(osp.join(work_dir, 'student_init.pth'))
        student = MODELS.build(_student_cfg(cfg.model, swapped, input_shape,
                                            None))
        state = _init_state(teacher, student, blocks, choice.indices)
        student_cost = model_cost(student, input_shape)
        predicted = {m: teacher_cost[m] + sum(
            b.costs[i][m] - b.costs[0][m]
            for b, i in zip(blocks, choice.indices)) for m in teacher_cost}
        if student_cost != predicted or student_cost[metric] > parsed.limit:
            raise RuntimeError(
                f'the assembled student costs {student_cost}, predicted '
                f'{predicted}, budget {metric} <= {parsed.limit}: refusing '
                'to write it. A block\'s cost is not additive here; measure '
                'the blocks of this backbone separately.')
        # Plain types only: checkpoints are loaded with weights_only=True.
        meta = json.loads(json.dumps(dict(budget=budget, blocks=swapped)))
        save_atomically(dict(state_dict=state, meta=meta), init_path)

        uniform, ratio = None, None
        if settings['uniform_baseline']:
            ratio, _ = uniform_ratio(teacher, blocks,
                                     settings['uniform_baseline'], metric,
                                     student_cost[metric], fixed)
        if ratio is not None:
            candidate = dict(type=settings['uniform_baseline'], ratio=ratio)
            uniform_cfg = _student_cfg(
                cfg.model, [dict(path=b.path, candidate=candidate)
                            for b in blocks], input_shape, None)
            uniform = dict(name=candidate_name(candidate), cfg=uniform_cfg,
                           cost=model_cost(MODELS.build(uniform_cfg),
                                           input_shape))

    ckpt = osp.abspath(settings['teacher_ckpt'])
    student_cfg = _student_cfg(cfg.model, swapped, input_shape, init_path)
    header = [f'Written by tools/structure_search.py {config} --budget '
              f'{budget} (seed {seed}).',
              'Structure learning (https://arxiv.org/abs/2104.09191): ']
    written = {
        'student_kd.py': (_kd_model(student_cfg, cfg.model, ckpt,
                                    settings['kd']),
                          'learned student, block-wise initialised, KD '
                          'fine-tuning from the teacher.'),
        'student_alone.py': (student_cfg, 'learned student, block-wise '
                             'initialised, fine-tuned without a teacher.'),
    }
    if uniform:
        written['uniform_alone.py'] = (
            uniform['cfg'], f'uniform baseline ({uniform["name"]} in every '
            'block, random init), trained alone.')
        written['uniform_kd.py'] = (
            _kd_model(uniform['cfg'], cfg.model, ckpt, settings['kd']),
            f'uniform baseline ({uniform["name"]} in every block, random '
            'init), KD from the teacher.')
    for name, (model, what) in written.items():
        lr_scale = settings['finetune_lr_scale'] \
            if name.startswith('student_') else 1.0
        _write_config(cfg, model, osp.join(work_dir, name),
                      header[:1] + [header[1] + what], lr_scale)
    table = _choice_table(blocks, choice.indices, teacher_cost, student_cost,
                          parsed, uniform)
    with open(osp.join(work_dir, 'choice.md'), 'w') as file:
        file.write(f'# Structure learning: `--budget {budget}`\n\n{table}')
    summary = dict(
        budget=budget, metric=metric, limit=parsed.limit,
        teacher_cost=teacher_cost, student_cost=student_cost,
        predicted_cost=predicted, score=choice.score, blocks=swapped,
        uniform=uniform and dict(name=uniform['name'],
                                 cost=uniform['cost']),
        written=sorted(written) + ['student_init.pth', 'choice.md'])
    with open(osp.join(work_dir, 'choice.json'), 'w') as file:
        json.dump(summary, file, indent=2)
    log(table)
    return summary
