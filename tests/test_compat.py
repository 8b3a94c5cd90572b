"""Each repair of reducekd.compat: the breakage it repairs, and the repair.

Every check runs in a fresh interpreter, because a repair changes the
process for good. "Without" snippets load compat.py as a plain module and
apply only the repairs a check needs, so each test fails when its own repair
is removed. A "without" check that finds the stack already fine (a future
torch, say) skips instead of failing: the repair is then not needed.
"""
import os.path as osp
import sys
import textwrap

import pytest
import torch

from conftest import REPO, python_tool, run

LOAD_COMPAT = f'''
import importlib.util, sys
spec = importlib.util.spec_from_file_location(
    'compat_alone', {osp.join(REPO, 'reducekd', 'compat.py')!r})
compat = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compat)
'''


def python(code, tmp_path):
    """Run ``code`` (one snippet, or a list of separately indented ones)."""
    parts = [code] if isinstance(code, str) else code
    script = tmp_path / 'snippet.py'
    script.write_text(LOAD_COMPAT + ''.join(
        textwrap.dedent(part) + '\n' for part in parts))
    return run([sys.executable, str(script)], cwd=tmp_path, check=False)


def expect_breakage(result, message):
    if result.returncode == 0:
        pytest.skip('the stack is already fine here: nothing to repair')
    assert message in result.stderr, result.stderr[-3000:]


def expect_success(result):
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_torchvision_imports_beside_cpu_torch(tmp_path):
    expect_breakage(python('import torchvision', tmp_path),
                    'operator torchvision::nms does not exist')
    out = expect_success(python('''
        assert compat.torchvision_ops_missing()
        compat.declare_torchvision_op_schemas()
        import torchvision
        import torchvision.transforms.v2
        assert not compat.torchvision_ops_missing()  # guard: now a no-op
        print('ok', compat.APPLIED)
        ''', tmp_path))
    assert "ok ['torchvision_op_schemas']" in out


def test_mmrazor_models_import(tmp_path):
    before = '''
        compat.declare_torchvision_op_schemas()
        import mmrazor.models
        '''
    expect_breakage(python(before, tmp_path),
                    '`torch>=1.13` is not installed properly')
    out = expect_success(python('''
        compat.declare_torchvision_op_schemas()
        compat.stand_in_mmrazor_quantization()
        import mmrazor.models
        from mmrazor.registry import MODELS
        assert MODELS.get('SingleTeacherDistill') is not None
        from mmrazor.structures.quantization import QConfigHandler
        try:
            QConfigHandler()
        except RuntimeError as error:
            print('refused:', error)
        ''', tmp_path))
    assert 'refused: mmrazor\'s quantization is not available' in out


def test_kd_soft_ce_loss_works(tmp_path):
    prelude = '''
        compat.declare_torchvision_op_schemas()
        compat.stand_in_mmrazor_quantization()
        import torch
        from mmrazor.models.losses import KDSoftCELoss
        '''
    use = '''
        loss = KDSoftCELoss(tau=2.0, reduction='mean')
        print(float(loss(torch.ones(2, 3), torch.zeros(2, 3))))
        '''
    expect_breakage(python([prelude, use], tmp_path),
                    "unexpected keyword argument 'reduction'")
    out = expect_success(python(
        [prelude, 'compat.restore_kd_soft_ce()', use], tmp_path))
    # uniform student and teacher: soft CE = T^2 * log(3) with T=2
    assert float(out.split()[-1]) == pytest.approx(4 * 1.0986123, rel=1e-5)


PKG_CONFIG = '''
    sys.modules['pkg_resources'] = None  # as with setuptools >= 82
    compat.declare_torchvision_op_schemas()
    from mmengine.config import Config
    path = 'cfg.py'
    open(path, 'w').write(
        "_base_ = ['mmpretrain::_base_/models/resnet18_cifar.py']")
    '''


def test_package_configs_without_pkg_resources(tmp_path):
    expect_breakage(python([PKG_CONFIG, 'Config.fromfile(path)'], tmp_path),
                    'import pkg_resources')
    out = expect_success(python([PKG_CONFIG, '''
        assert compat.pkg_resources_missing()
        compat.locate_packages_without_pkg_resources()
        print(Config.fromfile(path).model.backbone.type)
        '''], tmp_path))
    assert out.strip().endswith('ResNet_CIFAR')


def test_mmengine_checkpoint_loads_with_weights_only(
        trained_teacher, tmp_path):
    code = f'''
        compat.declare_torchvision_op_schemas()
        from mmengine.runner.checkpoint import CheckpointLoader
        ckpt = CheckpointLoader.load_checkpoint({str(trained_teacher)!r})
        print(sorted(ckpt))
        '''
    expect_breakage(python(code, tmp_path), 'Weights only load failed')
    out = expect_success(python(
        ['compat.allow_mmengine_checkpoints()', code], tmp_path))
    assert "'message_hub'" in out and "'rng_states'" in out


class _RunsCode:
    """Unpickling this calls ``print``: a stand-in for a malicious file."""

    def __reduce__(self):
        return (print, ('payload ran',))


def test_checkpoint_that_runs_code_is_refused(tmp_path):
    from reducekd.checkpoint import CheckpointError, load_local_checkpoint
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': _RunsCode()}, path)
    with pytest.raises(CheckpointError, match='builtins.print'):
        load_local_checkpoint(str(path))


def test_guards_are_no_ops_once_repaired():
    import reducekd.compat as compat
    assert not compat.torchvision_ops_missing()
    assert not compat.mmrazor_quantization_unimportable()
    assert not compat.kd_soft_ce_is_placeholder()
    applied = list(compat.APPLIED)
    assert compat.repair_stack() == applied  # nothing applied twice


MSDA = 'Fail to import ``MultiScaleDeformableAttention`` from'


def test_mmcv_lite_attention_warning_is_silenced_and_no_other(tmp_path):
    import reducekd.compat as compat
    if not compat.mmcv_ops_missing():
        pytest.skip('full mmcv: it has the op, there is nothing to silence')
    tool = run(python_tool('train.py', '--help'), cwd=REPO)
    assert 'MultiScaleDeformableAttention' not in tool.stderr, tool.stderr
    # Every other warning still shows: the same text from another module,
    # another text from mmcv's module, and one of the user's own.
    other = run([sys.executable, '-c', textwrap.dedent(f'''
        import warnings
        import reducekd
        import mmcv.cnn
        warnings.warn_explicit({MSDA!r} + ' elsewhere', UserWarning,
                               'other.py', 1, module='other')
        warnings.warn_explicit('another mmcv warning', UserWarning,
                               'transformer.py', 1,
                               module='mmcv.cnn.bricks.transformer')
        warnings.warn('a warning of the user')
        ''')], cwd=tmp_path)
    assert MSDA not in other.stderr.replace(MSDA + ' elsewhere', '')
    for text in (' elsewhere', 'another mmcv warning',
                 'a warning of the user'):
        assert text in other.stderr, (text, other.stderr)


def test_recorder_source_missing_from_the_model_is_named():
    """mmrazor would end in a bare ``AssertionError: "..." is not in the
    model``; the repair names the recorder and modules nearby."""
    from mmrazor.models.task_modules.recorder import RecorderManager
    from torch import nn

    from reducekd.errors import ConfigError
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.Sequential(nn.ReLU()))
    manager = RecorderManager(dict(feat=dict(type='ModuleOutputs',
                                             source='1.1')))
    with pytest.raises(ConfigError) as error:
        manager.initialize(model)
    assert "recorder 'feat' (ModuleOutputsRecorder) records module '1.1'" \
        in str(error.value)
    assert 'Nearby module names: 1.0' in str(error.value)
    RecorderManager(dict(feat=dict(type='ModuleOutputs', source='1.0'))
                    ).initialize(model)


ZOO_KD = ("'mmrazor::distill/mmcls/kd/"
          "kd_logits_resnet34_resnet18_8xb32_in1k.py'")


def test_mmcls_configs_are_read_with_mmpretrain(tmp_path):
    prelude = f'''
        compat.locate_packages_without_pkg_resources()
        from mmengine.config import Config
        path = Config._get_cfg_path({ZOO_KD}, '')[0]
        '''
    expect_breakage(python([prelude, 'Config.fromfile(path)'], tmp_path),
                    'mmcls is not installed')
    out = expect_success(python([prelude, '''
        compat.read_mmcls_configs_with_mmpretrain()
        cfg = Config.fromfile(path)
        print(cfg.default_scope, cfg.model.teacher.cfg_path)
        '''], tmp_path))
    assert out.split()[-2:] == [
        'mmpretrain', 'mmpretrain::resnet/resnet34_8xb32_in1k.py']


def test_hub_finds_package_configs_without_pkg_resources(tmp_path):
    """mmrazor builds cfg_path teachers with mmengine.hub.get_model."""
    use = '''
        from mmengine.hub import get_config
        print(get_config('mmpretrain::resnet/resnet18_8xb16_cifar10.py')
              .model.backbone.type)
        '''
    expect_breakage(python([PKG_CONFIG, use], tmp_path), 'pkg_resources')
    out = expect_success(python(
        [PKG_CONFIG, 'compat.locate_packages_without_pkg_resources()', use],
        tmp_path))
    assert out.strip().endswith('ResNet_CIFAR')


MMRAZOR_MODELS = '''
    compat.declare_torchvision_op_schemas()
    compat.stand_in_mmrazor_quantization()
    import mmrazor.models, mmrazor.datasets
    '''


def test_mmrazor_classes_on_mmcls_placeholders_work(tmp_path):
    """DeiT's head and CRD's packing subclassed mmcls classes."""
    head = '''
        import torch
        from mmrazor.registry import MODELS
        head = MODELS.build(dict(type='DeiTClsHead', num_classes=10,
                                 in_channels=8))
        '''
    expect_breakage(python([MMRAZOR_MODELS, head], tmp_path),
                    "unexpected keyword argument 'num_classes'")
    out = expect_success(python([MMRAZOR_MODELS, '''
        compat.rebuild_classes_on_placeholders()
        compat.deit_head_takes_mmpretrain_tokens()
        ''', head, '''
        # mmpretrain's DistilledVisionTransformer: (cls, dist) tokens
        print(tuple(head(((torch.ones(2, 8), torch.ones(2, 8)), )).shape))
        import numpy as np
        from mmrazor.registry import TRANSFORMS
        packed = TRANSFORMS.build(dict(type='PackCRDClsInputs'))(dict(
            img=np.zeros((4, 4, 3), np.uint8), gt_label=3, sample_idx=7,
            contrast_sample_idxs=np.arange(5)))
        sample = packed['data_samples']
        print(type(sample).__name__, int(sample.gt_label),
              int(sample.sample_idx), len(sample.contrast_sample_idxs),
              tuple(packed['inputs'].shape))
        '''], tmp_path))
    assert out.splitlines()[-2:] == ['(2, 10)', 'DataSample 3 7 5 (3, 4, 4)']


def test_data_free_generator_trains_without_ddp(tmp_path):
    use = '''
        from mmrazor.models.architectures.generators import DAFLGenerator
        generator = DAFLGenerator(img_size=8, latent_dim=16, hidden_channels=4)
        print(generator.module.latent_dim)  # as DAFL/DFAD/ZSKT read it
        '''
    expect_breakage(python([MMRAZOR_MODELS, use], tmp_path),
                    "'DAFLGenerator' object has no attribute 'module'")
    out = expect_success(python(
        [MMRAZOR_MODELS, 'compat.generator_module_without_ddp()', use],
        tmp_path))
    assert out.split()[-1] == '16'


def test_dkd_loss_stays_finite_and_equal_where_it_was(tmp_path):
    # DKD's target-class term: KL([p_t, p_nt]_T || [p_t, p_nt]_S) * tau^2,
    # averaged over the batch (its default reduction, batchmean), computed
    # here in float64 from softmax probabilities, where nothing underflows
    use = '''
        import math, torch
        from mmrazor.models.losses import DKDLoss
        def reference(s, t, labels, tau):
            total = 0.0
            for zs, zt, y in zip(s.double(), t.double(), labels):
                ps, pt = (torch.softmax(z / tau, 0) for z in (zs, zt))
                other = torch.arange(len(zs)) != y
                bs = [ps[y].item(), ps[other].sum().item()]
                bt = [pt[y].item(), pt[other].sum().item()]
                total += sum(q * (math.log(q) - math.log(p))
                             for q, p in zip(bt, bs) if q > 0)
            return total * tau ** 2 / len(labels)
        loss = DKDLoss(tau=1.0)
        labels = torch.tensor([0, 1])
        for margin in (0.0, 150.0):  # moderate, then confident students
            g = torch.Generator().manual_seed(0)
            s = torch.randn(2, 5, generator=g)
            s[torch.arange(2), labels] += margin  # e^-150 is 0 in fp32
            t = torch.randn(2, 5, generator=g)
            value = loss._get_tckd_loss(s, t, labels,
                                        loss._get_gt_mask(s, labels))
            print(margin, value.item(), reference(s, t, labels, 1.0))
        '''
    result = python([MMRAZOR_MODELS, use], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.split('\n')
    scaled = [line.split() for line in lines if line.startswith('150.0')]
    if torch.isfinite(torch.tensor(float(scaled[0][1]))):
        pytest.skip('the stack is already fine here: nothing to repair')
    out = expect_success(python(
        [MMRAZOR_MODELS, 'compat.dkd_target_term_in_log_space()', use],
        tmp_path))
    for line in out.strip().split('\n')[-2:]:
        _, value, expected = map(float, line.split())
        assert value == pytest.approx(expected, rel=1e-5)


def test_mmrazor_losses_compute_in_fp32_under_autocast(tmp_path):
    use = '''
        import torch
        from mmrazor.models.losses import DISTLoss
        s, t = torch.randn(4, 10).bfloat16(), torch.randn(4, 10).bfloat16()
        with torch.autocast('cpu', dtype=torch.bfloat16):
            print(DISTLoss()(s, t).dtype)
        '''
    out = python([MMRAZOR_MODELS, use], tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    if out.stdout.split()[-1] == 'torch.float32':
        pytest.skip('the stack is already fine here: nothing to repair')
    out = expect_success(python(
        [MMRAZOR_MODELS, 'compat.mmrazor_losses_in_fp32()', use], tmp_path))
    assert out.split()[-1] == 'torch.float32'
