"""NonFiniteCheckHook: the decisions it makes, on hand-made inputs."""
import math
from types import SimpleNamespace

import pytest
import torch

from reducekd.engine.hooks import NonFiniteCheckHook
from reducekd.engine.hooks.non_finite_check_hook import (non_finite_terms,
                                                         non_finite_tensors)
from reducekd.errors import NonFiniteError


def test_finite_terms_pass_and_any_non_finite_term_reports_all():
    finite = {'loss': torch.tensor(1.5), 'student.loss': torch.tensor(1.0)}
    assert non_finite_terms(finite) == {}
    terms = non_finite_terms({'loss': torch.tensor(float('inf')),
                              'student.loss': torch.tensor(0.5),
                              'distill.loss_kd': torch.tensor(float('nan'))})
    assert terms['student.loss'] == 0.5
    assert math.isinf(terms['loss']) and math.isnan(terms['distill.loss_kd'])


def test_non_finite_tensors_ignores_integer_buffers():
    state = {'w': torch.ones(2), 'b': torch.tensor([1.0, float('-inf')]),
             'num_batches_tracked': torch.tensor(3)}
    assert non_finite_tensors(state) == ['b']


def fake_runner(tmp_path, lr=0.1):
    wrapper = SimpleNamespace(get_lr=lambda: {'lr': [lr]})
    return SimpleNamespace(iter=6, epoch=1, work_dir=str(tmp_path),
                           optim_wrapper=wrapper)


def test_after_train_iter_names_iteration_terms_and_last_checkpoint(
        tmp_path):
    good = tmp_path / 'epoch_1.pth'
    good.write_bytes(b'weights')
    (tmp_path / 'last_checkpoint').write_text(str(good))
    hook = NonFiniteCheckHook()
    runner = fake_runner(tmp_path, lr=1e6)
    hook.after_train_iter(runner, 0, outputs={'loss': torch.tensor(2.0)})
    with pytest.raises(NonFiniteError) as error:
        hook.after_train_iter(runner, 0,
                              outputs={'loss': torch.tensor(float('nan'))})
    message = str(error.value)
    for part in ('iteration 7 (epoch 2)', 'loss=nan', 'learning rate 1e+06',
                 f'The last good checkpoint, {good}, is kept'):
        assert part in message, message


def test_checkpoint_with_non_finite_weights_is_not_written(tmp_path):
    """Weights can turn NaN in the optimizer step of an iteration whose loss
    was still finite: the save is refused instead."""
    hook = NonFiniteCheckHook()
    runner = fake_runner(tmp_path)
    hook.before_save_checkpoint(runner, {'state_dict': {'w': torch.ones(2)}})
    with pytest.raises(NonFiniteError, match=r'1 tensors: w\b'):
        hook.before_save_checkpoint(
            runner, {'state_dict': {'w': torch.tensor([float('nan')])}})
