"""ReduceResNet teacher and student: reference sizes, shared key names."""
import pytest
import torch

import reducekd  # noqa: F401  (repairs the stack first)
from reducekd.models.backbones import ReduceResNet
from reducekd.models.connectors import Conv1x1BNBranch, LowRankConvBranch
from reducekd.registry import MODELS


def build_classifier(width=1, **backbone):
    return MODELS.build(
        dict(
            _scope_='reducekd',
            type='ImageClassifier',
            backbone=dict(type='ReduceResNet', width=width, **backbone),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='LinearClsHead',
                num_classes=10,
                in_channels=64 * width,
                loss=dict(type='CrossEntropyLoss'))))


@pytest.mark.parametrize('width,with_bottleneck,expected', [
    (1, True, 412_058),
    (1, False, 272_474),
    (2, True, 1_640_234),
    (2, False, 1_084_586),
])
def test_parameter_counts_match_reference(width, with_bottleneck, expected):
    model = build_classifier(
        depth=20, width=width, expansion=1, with_bottleneck=with_bottleneck)
    assert sum(p.numel() for p in model.parameters()) == expected


@pytest.mark.parametrize('with_bottleneck', [True, False])
def test_every_parameter_is_used_by_forward(with_bottleneck):
    model = build_classifier(depth=8, with_bottleneck=with_bottleneck,
                             lora=dict(type='Conv1x1BNBranch'))
    model(torch.randn(2, 3, 32, 32), mode='tensor').sum().backward()
    unused = [n for n, p in model.named_parameters() if p.grad is None]
    assert unused == []


@pytest.mark.parametrize('depth,width', [(56, 1), (20, 4)])
def test_deeper_and_wider_models_run(depth, width):
    model = build_classifier(depth=depth, width=width, with_bottleneck=False)
    assert len(model.backbone.layer2) == (depth - 2) // 6
    logits = model(torch.randn(2, 3, 32, 32), mode='tensor')
    assert logits.shape == (2, 10)


def test_out_indices_select_stage_outputs():
    backbone = ReduceResNet(depth=8, width=2, out_indices=(0, 1, -1))
    outs = backbone(torch.randn(2, 3, 32, 32))
    assert [o.shape for o in outs] == [(2, 32, 32, 32), (2, 64, 16, 16),
                                       (2, 128, 8, 8)]


@pytest.mark.parametrize('kwargs', [dict(depth=21), dict(depth=2),
                                    dict(out_indices=(3, ))])
def test_invalid_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        ReduceResNet(**kwargs)


def test_student_keys_are_teacher_keys_without_bottleneck():
    teacher = build_classifier(depth=20, expansion=2, with_bottleneck=True)
    student = build_classifier(depth=20, with_bottleneck=False)
    teacher_keys = set(teacher.state_dict())
    bottleneck_keys = {k for k in teacher_keys if '.bottleneck.' in k}
    assert bottleneck_keys
    assert set(student.state_dict()) == teacher_keys - bottleneck_keys
    # the shared parts have the same shapes, so the student inherits them
    student.load_state_dict(
        {k: v for k, v in teacher.state_dict().items()
         if k not in bottleneck_keys}, strict=True)


@pytest.mark.parametrize('lora,branch_type', [
    (dict(type='LowRankConvBranch', rank=4, lambda_relu=True),
     LowRankConvBranch),
    (dict(type='Conv1x1BNBranch'), Conv1x1BNBranch),
])
def test_lora_branch_is_built_beside_every_main_conv(lora, branch_type):
    backbone = ReduceResNet(depth=8, with_bottleneck=False, lora=lora)
    blocks = [backbone.layer1[0], backbone.layer2[0], backbone.layer3[0]]
    for block in blocks:
        assert isinstance(block.lora, branch_type)
        x = torch.randn(2, block.main.in_channels, 8, 8)
        assert block.lora(x).shape == block.main(x).shape
    plain = ReduceResNet(depth=8, with_bottleneck=False)
    lora_keys = set(backbone.state_dict()) - set(plain.state_dict())
    assert lora_keys and all('.lora.' in k for k in lora_keys)


def test_lora_builds_under_another_default_scope():
    import mmpretrain.registry as mmpretrain_registry
    backbone = mmpretrain_registry.MODELS.build(
        dict(_scope_='mmpretrain', type='reducekd.ReduceResNet', depth=8,
             lora=dict(type='Conv1x1BNBranch')))
    assert isinstance(backbone.layer1[0].lora, Conv1x1BNBranch)
