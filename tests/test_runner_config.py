"""Config preparation shared by the tools, and the --eval mapping."""
import pytest
from mmengine.config import Config

from reducekd.config_check import ConfigKeyError
from reducekd.evaluation import evaluator_for_metrics
from reducekd.runner import prepare_config


def config(**fields):
    return Config(dict(
        default_scope='reducekd',
        train_dataloader=dict(num_workers=0, persistent_workers=True),
        val_dataloader=dict(num_workers=2, persistent_workers=True),
        **fields))


@pytest.mark.parametrize('typo,meant', [('default_hook', 'default_hooks'),
                                        ('randomnes', 'randomness'),
                                        ('optim_wraper', 'optim_wrapper')])
def test_misspelt_runner_keys_are_refused(typo, meant):
    with pytest.raises(ConfigKeyError, match=f"did you mean '{meant}'"):
        prepare_config(config(**{typo: {}}))


def test_helper_variables_are_allowed():
    prepare_config(config(train_pipeline=[], teacher_ckpt='t.pth', alpha=1))


def test_persistent_workers_only_with_workers():
    cfg = prepare_config(config())
    assert cfg.train_dataloader.persistent_workers is False
    assert cfg.val_dataloader.persistent_workers is True


def test_always_on_hooks_added_once():
    cfg = prepare_config(config(custom_hooks=[dict(type='RNGStateHook')]))
    assert [h['type'] for h in cfg.custom_hooks] == [
        'RNGStateHook', 'reducekd.ResumeScheduleCheckHook',
        'reducekd.NonFiniteCheckHook', 'reducekd.DistillWiringCheckHook']
    cfg = prepare_config(config())
    assert [h['type'] for h in cfg.custom_hooks] == [
        'reducekd.RNGStateHook', 'reducekd.ResumeScheduleCheckHook',
        'reducekd.NonFiniteCheckHook', 'reducekd.DistillWiringCheckHook']


def test_eval_names_map_to_mmpretrain_metrics():
    evaluators = evaluator_for_metrics(
        ['accuracy', 'precision', 'f1_score'],
        dict(type='Accuracy', topk=(1, )))
    assert evaluators == [
        dict(type='Accuracy', topk=(1, )),
        dict(type='SingleLabelMetric', items=['precision', 'f1-score'])]
    with pytest.raises(ValueError, match='valid: accuracy, precision'):
        evaluator_for_metrics(['mAP'])


@pytest.mark.parametrize('flag', ['--local-rank', '--local_rank'])
def test_both_local_rank_spellings(flag):
    import importlib.util
    import os.path as osp
    from conftest import REPO
    spec = importlib.util.spec_from_file_location(
        'train_tool', osp.join(REPO, 'tools', 'train.py'))
    train_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train_tool)
    assert train_tool.parse_args(['c.py', flag, '3']).local_rank == 3
