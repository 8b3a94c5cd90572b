"""ReduceNet stage 2: weight inheritance from the stage-1 checkpoint."""
import pytest
import torch
from mmengine.config import Config

from conftest import tiny_config
from reducekd.checkpoint import CheckpointError
from reducekd.complexity import build_in_scope


def randomise(model, seed=0):
    """Random weights and BatchNorm statistics: inheritance must copy them."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if tensor.is_floating_point():
                tensor.copy_(torch.rand(tensor.shape, generator=generator) +
                             (0.5 if 'running_var' in name else 0))
    return model


@pytest.fixture
def stage2_cfg(tmp_path):
    cfg = Config.fromfile(tiny_config('tiny_reducenet_lora_digits.py'))
    teacher = randomise(build_in_scope(cfg.model.teacher))
    path = tmp_path / 'teacher.pth'
    torch.save({'state_dict': teacher.state_dict()}, path)
    cfg.model.teacher_ckpt = str(path)
    return cfg


def test_student_inherits_every_shared_tensor(stage2_cfg):
    model = build_in_scope(stage2_cfg.model)
    model.init_weights()  # what the Runner does before training
    teacher = model.teacher.state_dict()
    student = model.student.state_dict()
    shared = [k for k in student if '.lora.' not in k]
    assert len(shared) == len([k for k in teacher
                               if '.bottleneck.' not in k])
    for key in shared:
        assert torch.equal(student[key], teacher[key]), key
    assert any('.lora.' in k for k in student)
    assert not any('.bottleneck.' in k for k in student)
    # the LoRA branch starts as zero: the student computes the inherited
    # network exactly
    plain = stage2_cfg.model.architecture.copy()
    plain.backbone = dict(plain.backbone, lora=None)
    inherited = build_in_scope(plain)
    inherited.load_state_dict({k: student[k] for k in shared})
    inputs = torch.randn(2, 3, 32, 32)
    model.student.eval(), inherited.eval()
    assert torch.allclose(model.student(inputs), inherited(inputs),
                          rtol=1e-5, atol=1e-6)


def test_teacher_checkpoint_of_another_width_is_refused(stage2_cfg,
                                                        tmp_path):
    wide = stage2_cfg.model.teacher.copy()
    wide.backbone = dict(wide.backbone, width=2)
    wide.head = dict(wide.head, in_channels=128)
    path = tmp_path / 'wide.pth'
    torch.save({'state_dict': build_in_scope(wide).state_dict()}, path)
    stage2_cfg.model.teacher_ckpt = str(path)
    with pytest.raises(CheckpointError,
                       match=r'shape mismatches.*stem\.conv\.weight'):
        build_in_scope(stage2_cfg.model)


def test_student_that_cannot_inherit_names_the_keys(stage2_cfg):
    stage2_cfg.model.architecture.backbone.depth = 14
    with pytest.raises(CheckpointError,
                       match=r'cannot inherit[\s\S]*missing keys.*layer1\.1'):
        build_in_scope(stage2_cfg.model)
