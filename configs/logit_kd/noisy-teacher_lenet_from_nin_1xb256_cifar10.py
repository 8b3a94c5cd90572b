# [2] Noisy teacher (logit_kd_noisy_teacher.py in configs/_base_/ defines the method):
# the LeNet student from the frozen NiN teacher, on CIFAR-10.
_base_ = [
    '../_base_/models/nin_lenet.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/adam_step80_100e.py',
    '../_base_/default_runtime.py',
    '../_base_/logit_kd_noisy_teacher.py',
]
# Written by `tools/dist_train.sh ... configs/logit_kd/nin_1xb256_cifar10.py
# work_dirs/nin_1xb256_cifar10` (the teacher config's default work dir).
teacher_ckpt = 'work_dirs/nin_1xb256_cifar10/epoch_100.pth'

model = dict(architecture={{_base_.lenet_student}},
             teacher={{_base_.nin_teacher}},
             teacher_ckpt=teacher_ckpt)

# The seed's data and schedule: batch 256, no data augmentation, Adam lr 1e-3,
# 100 epochs, x0.1 at epoch 80. The seed ran its frozen teacher with dropout
# (0.8 in its README's run); the teacher here is frozen in eval mode.
train_dataloader = dict(batch_size=256,
                        dataset=dict(pipeline=[dict(type='PackInputs')]))
