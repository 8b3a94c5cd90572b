"""ONNX export of every model family reducekd registers, checked against
PyTorch by onnxruntime, and the export tool's refusals.

Models carry random weights *and random BatchNorm statistics* (fresh
BatchNorms are the identity and would hide a misplaced normalization); the
LoRA students have LambdaReLU at 1 and random up-projections, so fusing
changes their kernels. Each export goes through
``tools/deployment/pytorch2onnx.py``; onnxruntime's logits are compared
here, independently of the tool's own check, with PyTorch's logits of the
unfused model through mmpretrain's own data preprocessor.
"""
import json
import os.path as osp
import sys

import numpy as np
import onnx
import pytest
import torch
from mmengine.config import Config

from conftest import REPO, load_tool, python_tool, run, tiny_config
from reducekd.checkpoint import CheckpointError, save_atomically
from reducekd.complexity import build_in_scope, models_of_config
from reducekd.deployment.deployable import build_preprocessor
from reducekd.deployment.onnx_check import input_dtype, ort_session
from reducekd.deployment.test_split import loader_of_test_split
from reducekd.errors import ConversionError, NonFiniteError
from reducekd.models.connectors.lora_branch import LambdaReLU

# the fusion tests' helpers, importable also when this folder runs alone
sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(
    __file__))), 'models'))
from test_reparameterize import (randomize_batchnorms,  # noqa: E402
                                 randomize_branch_outputs, set_lambdas)

pytorch2onnx = load_tool('deployment/pytorch2onnx.py')

CONFIGS = f'{REPO}/configs'
REDUCENET_LORA = tiny_config('tiny_reducenet_lora_digits.py')
MBV2_LORA = (f'{CONFIGS}/reducenet/reducenet-lora_mbv2-w050-student_from_'
             'reduce-mbv2-w050-e1-teacher_1xb64_digits.py')


def randomize(model, seed=0):
    """Random BatchNorm statistics and affine terms; LambdaReLUs at 1 and
    random LoRA up-projections, as at the end of ReduceNet's stage 2."""
    torch.manual_seed(seed)
    randomize_batchnorms(model)
    randomize_branch_outputs(model)
    set_lambdas(model, 1.0)
    model.eval()
    return model


def student_of(config_path):
    """The student (or model) of a config, randomized."""
    cfg = Config.fromfile(config_path)
    return randomize(build_in_scope(models_of_config(cfg)[-1][1]))


def save_student(model, path, distillation=False):
    """Save ``model``'s weights as a plain or a distillation checkpoint."""
    prefix = 'architecture.' if distillation else ''
    save_atomically(dict(state_dict={prefix + key: value for key, value
                                     in model.state_dict().items()}), path)
    return path


def first_test_batch(config_path):
    cfg = Config.fromfile(config_path)
    batch = next(iter(loader_of_test_split(cfg)))
    return cfg, torch.stack(list(batch['inputs']))


def expected_logits(config_path, model):
    """PyTorch's logits of the unfused ``model`` on the first test batch,
    normalized by mmpretrain's preprocessor."""
    cfg, images = first_test_batch(config_path)
    inputs = build_preprocessor(cfg)(dict(inputs=list(images)),
                                     False)['inputs']
    with torch.no_grad():
        return images, model(inputs, mode='tensor').numpy()


def export(config_path, checkpoint, out, *options):
    """Run the export tool; returns its JSON record."""
    record = out.with_suffix('.json')
    pytorch2onnx.main([str(config_path), str(checkpoint), '--out', str(out),
                       '--out-json', str(record), *options])
    return json.loads(record.read_text())


def onnxruntime_logits(path, images):
    session = ort_session(str(path))
    inputs = images.float().numpy().astype(input_dtype(session))
    return session.run(None, {'input': inputs})[0].astype(np.float32)


def relative(expected, got):
    return np.abs(expected - got).max() / np.abs(expected).max()


@pytest.fixture(scope='module')
def search_student(trained_teacher, tmp_path_factory):
    """The student config written by a structure-learning search."""
    from reducekd.models.structure_learning.search import run_search
    work_dir = tmp_path_factory.mktemp('search')
    run_search(tiny_config('tiny_search_digits.py'), 'flops=0.5',
               str(work_dir), teacher_ckpt=str(trained_teacher), iters=1,
               log=lambda line: None)
    return work_dir / 'student_alone.py'


FAMILIES = {
    # name: (config, distillation checkpoint?)
    'reducenet_student_fused': (REDUCENET_LORA, True),
    'reducenet_teacher': (
        f'{CONFIGS}/reducenet/reduce20-w1-e1-teacher_1xb64_digits.py', False),
    'nin_bn': (f'{CONFIGS}/logit_kd/nin-bn_1xb16_digits.py', False),
    'lenet': (f'{CONFIGS}/logit_kd/lenet_1xb16_digits.py', False),
    'cifar_resnet': (f'{CONFIGS}/resnet/resnet18-w8_1xb64_digits.py', False),
    'mobilenet_v2_student_fused': (MBV2_LORA, True),
    'mobilenet_v2_teacher': (
        f'{CONFIGS}/reducenet/reduce-mbv2-w050-e1-teacher_1xb64_digits.py',
        False),
}


@pytest.mark.parametrize('family', [*FAMILIES, 'structure_learning'])
def test_every_family_exports_and_matches_pytorch(family, tmp_path, request):
    if family == 'structure_learning':
        config, distillation = request.getfixturevalue('search_student'), \
            False
    else:
        config, distillation = FAMILIES[family]
    model = student_of(str(config))
    checkpoint = save_student(model, tmp_path / 'model.pth', distillation)
    record = export(config, checkpoint, tmp_path / 'model.onnx')
    onnx.checker.check_model(str(tmp_path / 'model.onnx'), full_check=True)
    images, expected = expected_logits(str(config), model)
    got = onnxruntime_logits(tmp_path / 'model.onnx', images[:1])
    assert got.shape == (1, 10)
    assert relative(expected[:1], got) < 1e-5
    assert record['max_rel_diff'] < 1e-5 and record['opset'] == 18


def test_fused_student_is_the_plain_network(tmp_path):
    """The exported ReduceNet student has no LoRA convolutions left: the
    same operators and initializer count as the plain student's export."""
    lora = student_of(REDUCENET_LORA)
    export(REDUCENET_LORA, save_student(lora, tmp_path / 'lora.pth', True),
           tmp_path / 'fused.onnx')
    plain_config = tiny_config('tiny_reduce_student_digits.py')
    plain = student_of(plain_config)
    export(plain_config, save_student(plain, tmp_path / 'plain.pth'),
           tmp_path / 'plain.onnx')

    def structure(path):
        graph = onnx.load(str(path)).graph
        return (sorted(node.op_type for node in graph.node),
                sum(int(np.prod(tensor.dims))
                    for tensor in graph.initializer))
    assert structure(tmp_path / 'fused.onnx') == \
        structure(tmp_path / 'plain.onnx')


def test_dynamic_batch_and_fp16(tmp_path):
    model = student_of(REDUCENET_LORA)
    checkpoint = save_student(model, tmp_path / 'model.pth', True)
    images, expected = expected_logits(REDUCENET_LORA, model)
    export(REDUCENET_LORA, checkpoint, tmp_path / 'dyn.onnx',
           '--dynamic-batch')
    for size in (1, 7, len(images)):
        got = onnxruntime_logits(tmp_path / 'dyn.onnx', images[:size])
        assert relative(expected[:size], got) < 1e-5
    record = export(REDUCENET_LORA, checkpoint, tmp_path / 'half.onnx',
                    '--fp16', '--batch', '4')
    got = onnxruntime_logits(tmp_path / 'half.onnx', images[:4])
    assert 1e-6 < relative(expected[:4], got) < 1e-2  # really half precision
    assert record['fp16'] and record['tolerance'] == 1e-2


@pytest.fixture(scope='module')
def trained_lenet(tmp_path_factory):
    """LeNet trained 8 epochs on the digits (about 90% top-1)."""
    work_dir = tmp_path_factory.mktemp('lenet')
    run(python_tool('train.py', f'{CONFIGS}/logit_kd/lenet_1xb16_digits.py',
                    '--work-dir', work_dir, '--cfg-options',
                    'train_cfg.max_epochs=8', 'train_cfg.val_interval=8'),
        cwd=REPO)
    return work_dir / 'epoch_8.pth'


def test_onnx_top1_on_the_digits_equals_tools_test(trained_lenet, tmp_path):
    """``--verify-dataset`` on a trained model: onnxruntime's top-1 on the
    whole test split equals the one ``tools/test.py`` reports, at a fixed
    batch of 32 (the split's last 8 images padded)."""
    config = f'{CONFIGS}/logit_kd/lenet_1xb16_digits.py'
    metrics = tmp_path / 'metrics.json'
    run(python_tool('test.py', config, trained_lenet, '--metrics-json',
                    metrics, '--work-dir', tmp_path / 'test'), cwd=REPO)
    tested = json.loads(metrics.read_text())['accuracy/top1']
    result = run(python_tool('deployment/pytorch2onnx.py', config,
                             trained_lenet, '--out', tmp_path / 'lenet.onnx',
                             '--batch', '32', '--verify-dataset',
                             '--out-json', tmp_path / 'record.json'),
                 cwd=REPO)
    record = json.loads((tmp_path / 'record.json').read_text())
    assert record['samples'] == 360 and record['disagreements'] == 0
    assert tested > 50  # trained: predictions differ across classes
    assert record['onnx_top1'] == pytest.approx(tested, abs=1e-6)
    assert f'top-1 onnxruntime {tested:.2f}' in result.stdout


# ----------------------------------------------------------------- refusals
def refused(tmp_path, config, checkpoint, *options, error=ConversionError):
    out = tmp_path / 'refused.onnx'
    with pytest.raises(error) as caught:
        pytorch2onnx.main([str(config), str(checkpoint), '--out', str(out),
                           *options])
    assert not out.exists()
    return str(caught.value)


@pytest.fixture
def lenet_checkpoint(tmp_path):
    lenet = student_of(f'{CONFIGS}/logit_kd/lenet_1xb16_digits.py')
    return save_student(lenet, tmp_path / 'lenet.pth')


def test_checkpoint_of_another_model_is_refused(tmp_path, lenet_checkpoint):
    message = refused(tmp_path, f'{CONFIGS}/logit_kd/nin-bn_1xb16_digits.py',
                      lenet_checkpoint, error=CheckpointError)
    assert 'missing keys' in message and 'unexpected keys' in message
    assert 'Give the config that trained the checkpoint' in message


def test_missing_or_truncated_checkpoint_is_refused(
        tmp_path, lenet_checkpoint):
    config = f'{CONFIGS}/logit_kd/lenet_1xb16_digits.py'
    message = refused(tmp_path, config, tmp_path / 'none.pth',
                      error=CheckpointError)
    assert 'none.pth does not exist: give the path of a checkpoint' in message
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(lenet_checkpoint.read_bytes()[:5000])
    message = refused(tmp_path, config, truncated, error=CheckpointError)
    assert 'is incomplete' in message


def test_non_finite_weight_is_refused(tmp_path):
    model = student_of(f'{CONFIGS}/logit_kd/lenet_1xb16_digits.py')
    with torch.no_grad():
        next(model.parameters())[0].fill_(float('nan'))
    message = refused(tmp_path, f'{CONFIGS}/logit_kd/lenet_1xb16_digits.py',
                      save_student(model, tmp_path / 'nan.pth'),
                      error=NonFiniteError)
    assert 'non-finite weights' in message


@pytest.mark.parametrize('opset', ['13', '99'])
def test_opset_the_exporter_cannot_write_is_refused(tmp_path, opset,
                                                    lenet_checkpoint):
    message = refused(tmp_path, f'{CONFIGS}/logit_kd/lenet_1xb16_digits.py',
                      lenet_checkpoint, '--opset', opset)
    assert f'opset {opset} cannot be exported' in message
    assert f'--opset between 18 and {onnx.defs.onnx_opset_version()}' in \
        message


def test_missing_output_folder_is_refused(tmp_path, lenet_checkpoint):
    out = tmp_path / 'no' / 'such' / 'model.onnx'
    with pytest.raises(ConversionError, match='mkdir -p .*no/such'):
        pytorch2onnx.main([f'{CONFIGS}/logit_kd/lenet_1xb16_digits.py',
                           str(lenet_checkpoint), '--out', str(out)])
    assert not (tmp_path / 'no').exists()


def test_unfinished_lambda_relu_is_refused(tmp_path):
    model = student_of(REDUCENET_LORA)
    for module in model.modules():
        if isinstance(module, LambdaReLU):
            module.set_lambda(0.5)
    message = refused(tmp_path, REDUCENET_LORA,
                      save_student(model, tmp_path / 'kd.pth', True))
    assert 'lambda=0.5 < 1' in message


def test_refusal_from_the_command_line_names_the_fix(tmp_path,
                                                     lenet_checkpoint):
    result = run(python_tool('deployment/pytorch2onnx.py',
                             f'{CONFIGS}/logit_kd/nin-bn_1xb16_digits.py',
                             lenet_checkpoint, '--out', tmp_path / 'x.onnx'),
                 cwd=REPO, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith('CheckpointError: ')
    assert 'Traceback' not in result.stderr
    assert not (tmp_path / 'x.onnx').exists()


def test_outputs_beyond_the_tolerance_are_refused():
    from reducekd.deployment.onnx_check import check_outputs
    reference = np.array([[10.0, -2.0, 0.5]])
    # 1e-3 off against the largest logit 10: 1e-4 relative, at the bound
    assert check_outputs(reference, reference + [[0, 1e-3, 0]], 1e-4)[
        'max_rel_diff'] == pytest.approx(1e-4)
    with pytest.raises(ConversionError, match=r'differs from PyTorch by '
                       r'0\.002 .*2\.00e-04 of the largest logit'):
        check_outputs(reference, reference + [[0, 2e-3, 0]], 1e-4)
    with pytest.raises(ConversionError):
        check_outputs(reference, reference * np.nan, 1e-4)


def test_only_near_ties_may_change_a_prediction():
    from reducekd.deployment.onnx_check import dataset_agreement
    # largest |logit| 10, tolerance 1e-3: outputs may move by 0.01 each,
    # so a prediction may flip where the top two lie within 0.02
    pytorch = np.array([[10.0, 0.0], [5.0, 4.99], [3.0, 2.0], [0.0, 1.0]])
    onnx_out = np.array([[10.0, 0.0], [4.99, 5.0], [2.0, 3.0], [0.0, 1.0]])
    labels = np.array([0, 0, 0, 1])
    assert dataset_agreement(pytorch, onnx_out, labels, 1e-3) == dict(
        samples=4, pytorch_top1=100.0, onnx_top1=50.0, disagreements=2,
        unexplained=1)
