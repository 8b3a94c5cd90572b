# [2] Noisy teacher (logit_kd_noisy_teacher.py in configs/_base_/ defines the method):
# another pair, to show the loss is generic: ResNet-18 w8 student
# from the ResNet-18 w16 teacher of configs/resnet/ (all 1,437 training
# digits, the 15-epoch SGD cosine schedule of configs/kd/).
_base_ = [
    '../_base_/models/resnet18_cifar.py',
    '../_base_/datasets/digits_bs64.py',
    '../_base_/schedules/digits_sgd_cosine_15e.py',
    '../_base_/default_runtime.py',
    '../_base_/logit_kd_noisy_teacher.py',
]
# Written by `tools/dist_train.sh ...
# configs/resnet/resnet18-w16_1xb64_digits.py
# work_dirs/resnet18-w16_1xb64_digits` (the teacher config's default work dir).
teacher_ckpt = 'work_dirs/resnet18-w16_1xb64_digits/epoch_15.pth'

model = dict(architecture={{_base_.resnet18_w8}},
             teacher={{_base_.resnet18_w16}},
             teacher_ckpt=teacher_ckpt)
