# ReduceNet stage 2 on CIFAR-10 with MobileNetV2 blocks: the plain
# MobileNetV2 w1 inherits the stage-1 teacher's weights and is distilled from
# it for 200 epochs with the stage-1 schedule; KD as in the reference (alpha
# 0.7, T 5, its nn.KLDivLoss() reduction 'mean'). Not run here (no CIFAR on
# this project's machines).
_base_ = [
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/sgd_cosine_200e.py',
    '../_base_/default_runtime.py',
    '../_base_/reducenet_kd.py',
    '../_base_/models/reducenet_mobilenet_v2.py',
]
model = dict(
    architecture={{_base_.mbv2_w1_student}},
    teacher={{_base_.mbv2_w1_teacher}},
    teacher_ckpt='work_dirs/reduce-mbv2-w1-e1-teacher_1xb128_cifar10/'
    'epoch_200.pth',
    distiller=dict(losses=dict(loss_kd=dict(reduction='mean'))))
