# [3] Hinton KD (logit_kd_hinton.py in configs/_base_/ defines the method):
# the LeNet student from the frozen NiN-BN teacher, digits demo
# (20 images per class).
_base_ = [
    '../_base_/models/nin_lenet.py',
    '../_base_/datasets/digits_20per_class_bs16.py',
    '../_base_/schedules/digits_adam_step_60e.py',
    '../_base_/default_runtime.py',
    '../_base_/logit_kd_hinton.py',
]
# Written by `tools/dist_train.sh ... configs/logit_kd/nin-bn_1xb16_digits.py
# work_dirs/nin-bn_1xb16_digits` (the teacher config's default work dir).
teacher_ckpt = 'work_dirs/nin-bn_1xb16_digits/epoch_30.pth'

model = dict(architecture={{_base_.lenet_student}},
             teacher={{_base_.nin_bn_teacher}},
             teacher_ckpt=teacher_ckpt)
