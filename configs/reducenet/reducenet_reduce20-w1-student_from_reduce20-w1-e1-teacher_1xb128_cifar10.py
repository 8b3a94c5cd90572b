# ReduceNet stage 2 on CIFAR-10: the reduce20 w1 student inherits the stage-1
# teacher's weights and is distilled from it for 200 epochs with the stage-1
# schedule. KD as in the reference: alpha 0.7, T 5, and its nn.KLDivLoss()
# reduction ('mean': averaged over classes too). Reference result:
# ResNet20-1-S 92.72% top-1.
_base_ = [
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/sgd_cosine_200e.py',
    '../_base_/default_runtime.py',
    '../_base_/reducenet_stage2.py',
]
model = dict(
    teacher_ckpt='work_dirs/reduce20-w1-e1-teacher_1xb128_cifar10/'
    'epoch_200.pth',
    distiller=dict(losses=dict(loss_kd=dict(reduction='mean'))))
