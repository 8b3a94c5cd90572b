"""Switch a logit distillation config to a teacher-output table.

``model.teacher_cache`` is the one switch: ``'auto'`` finds the table built
for the config under :data:`CACHE_ROOT` (by its source key), a folder names
one table. :func:`apply_teacher_cache`, run by the tools on every config
before anything is built, checks that the table matches the run and makes the
training pipeline record each sample's view.
"""
import glob
import os.path as osp

from reducekd.errors import ConfigError

from .source import (cache_source, data_preprocessor_of, source_differences,
                     source_key)
from .table import DTYPES, is_table, read_meta, table_dir
from .views import recording_pipeline

#: Where tables go by default: beside the work dirs.
CACHE_ROOT = osp.join('work_dirs', 'teacher_cache')
#: Distillers whose teacher side is the logits only.
LOGIT_DISTILLERS = ('LogitDistiller', 'reducekd.LogitDistiller')


def build_command(config_path):
    """The command that builds the table of a config."""
    return f'python tools/build_teacher_cache.py {config_path}'


def logits_module_of(model_cfg):
    """The teacher module a logit distillation reads, checked cacheable.

    Raises:
        ConfigError: The distillation reads more of the teacher than its
            logits, or trains the teacher.
    """
    distiller = model_cfg.get('distiller') or {}
    extra = [key for key in ('teacher_recorders', 'distill_losses',
                             'loss_forward_mappings', 'connectors')
             if distiller.get(key)]
    if distiller.get('type') not in LOGIT_DISTILLERS or extra:
        raise ConfigError(
            'teacher cache: it stores the teacher\'s logits only, and this '
            f"config's distiller ({distiller.get('type')}"
            f"{', with ' + ', '.join(extra) if extra else ''}) reads more of "
            "the teacher. Use it with LogitDistiller's losses (KD, logit "
            'regression, noisy teacher, ReduceNet stage 2), or set '
            'model.teacher_cache=None.')
    if model_cfg.get('teacher_trainable'):
        raise ConfigError('teacher cache: a trainable teacher changes its '
                          'outputs; set teacher_trainable=False or '
                          'model.teacher_cache=None.')
    return distiller.get('logits_module', 'head.fc')


def check_cacheable(cfg):
    """Refuse a config whose teacher outputs cannot be tabulated; return
    its recording training pipeline and its logits module."""
    logits_module = logits_module_of(cfg.model)
    dataset = cfg.train_dataloader.dataset
    if 'pipeline' not in dataset:
        raise ConfigError(
            f"teacher cache: the training dataset {dataset.get('type')} has "
            'no pipeline of its own (a wrapped dataset?); the cache needs '
            'train_dataloader.dataset.pipeline.')
    augments = (data_preprocessor_of(cfg) or {}).get('batch_augments')
    if augments:
        raise ConfigError(
            f'teacher cache: the data preprocessor\'s batch_augments '
            f'({augments}) mix images at random, an infinite view space; '
            'remove them or set model.teacher_cache=None.')
    return recording_pipeline(dataset.pipeline), logits_module


def _find_table(choice, source, config_path):
    """The folder of the table ``choice`` selects, checked against
    ``source``."""
    if choice == 'auto':
        key = source_key(source)
        for dtype in DTYPES:  # fp32 first: exact
            directory = table_dir(CACHE_ROOT, key, dtype)
            if is_table(directory):
                return directory
        others = [d for d in sorted(glob.glob(osp.join(CACHE_ROOT, '*')))
                  if is_table(d)]
        closest = ''
        for other in others:
            built = read_meta(other)['source']
            if built.get('teacher_checkpoint') == source[
                    'teacher_checkpoint']:
                closest = (f' The table {other} of the same teacher '
                           'checkpoint differs in:\n' + '\n'.join(
                               source_differences(built, source)))
                break
        raise ConfigError(
            f'teacher cache: no table for this config under {CACHE_ROOT} '
            f'(key {key}).{closest}\nBuild it with: '
            f'{build_command(config_path)}')
    if not is_table(choice):
        raise ConfigError(
            f'teacher cache: {choice} is not a finished teacher-output table'
            f' (no {choice}/meta.json). Build one with: '
            f'{build_command(config_path)} (it prints the folder), or set '
            "model.teacher_cache='auto'.")
    differences = source_differences(read_meta(choice)['source'], source)
    if differences:
        raise ConfigError(
            f'teacher cache: the table {choice} was built from another '
            'teacher or data than this config uses:\n' +
            '\n'.join(differences) +
            f'\nBuild this config\'s table with: {build_command(config_path)}')
    return choice


def _student_classes(model_cfg):
    head = (model_cfg.get('architecture') or {}).get('head') or {}
    return head.get('num_classes')


def apply_teacher_cache(cfg):
    """Resolve ``model.teacher_cache`` and prepare the run for it.

    Sets ``model.teacher_cache`` to the table's folder and rewrites the
    training pipeline to record each view
    (:func:`~reducekd.teacher_cache.views.recording_pipeline`). A config
    without the switch is returned unchanged.

    Raises:
        ConfigError: No matching table, a table built from another teacher
            checkpoint, dataset, pipeline or preprocessor (the fields are
            named), a number of classes that differs from the student's, or
            a pipeline or distiller the cache cannot serve.
    """
    choice = (cfg.get('model') or {}).get('teacher_cache')
    if not choice:
        return cfg
    pipeline, logits_module = check_cacheable(cfg)
    source = cache_source(cfg, logits_module)
    directory = _find_table(choice, source, cfg.filename)
    classes = read_meta(directory)['shape'][2]
    if _student_classes(cfg.model) not in (None, classes):
        raise ConfigError(
            f'teacher cache: the table {directory} holds {classes} classes, '
            f'the student predicts {_student_classes(cfg.model)}; use a '
            'teacher and student of the same classes.')
    cfg.model.teacher_cache = directory
    cfg.train_dataloader.dataset.pipeline = pipeline
    return cfg
