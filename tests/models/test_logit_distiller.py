"""LogitDistiller: the configured losses see the two models' logits."""
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmpretrain.structures import DataSample

from conftest import tiny_config
from reducekd.complexity import build_in_scope


def test_kd_loss_of_the_algorithm_equals_a_hand_computation():
    cfg = Config.fromfile(tiny_config('tiny_kd_digits.py'))
    cfg.model.pop('teacher_ckpt')
    cfg.model.teacher_trainable = True  # no checkpoint needed here
    model = build_in_scope(cfg.model).eval()
    inputs = torch.randn(4, 3, 32, 32)
    samples = [DataSample().set_gt_label(i) for i in range(4)]
    with torch.no_grad():
        losses = model.loss(inputs, samples)
        student = model.student(inputs)
        teacher = model.teacher(inputs)
    tau = 5.0
    p_t = F.softmax(teacher / tau, dim=1)
    kl = (p_t * (p_t.log() - F.log_softmax(student / tau, dim=1))).sum(1)
    expected_kd = 0.7 * tau**2 * kl.mean()
    assert torch.allclose(losses['distill.loss_kd'], expected_kd, rtol=1e-4,
                          atol=1e-8)
    expected_ce = 0.3 * F.cross_entropy(student, torch.arange(4))
    assert torch.allclose(losses['student.loss'], expected_ce, rtol=1e-5)
