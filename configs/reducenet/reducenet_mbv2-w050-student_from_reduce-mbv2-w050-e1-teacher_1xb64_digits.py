# ReduceNet stage 2 on the digits demo with MobileNetV2 blocks: the plain
# MobileNetV2 w0.5 inherits every tensor of the stage-1 teacher but its
# branches beside the projection convs, and is distilled from it (alpha 0.7,
# T 5; KL averaged per sample, as the ResNet digits configs).
_base_ = [
    '../_base_/datasets/digits_20per_class_bs64.py',
    '../_base_/schedules/digits_sgd_cosine_80e.py',
    '../_base_/default_runtime.py',
    '../_base_/reducenet_kd.py',
    '../_base_/models/reducenet_mobilenet_v2.py',
]
# written by: sh tools/dist_train.sh local demo \
#   configs/reducenet/reduce-mbv2-w050-e1-teacher_1xb64_digits.py \
#   work_dirs/reduce-mbv2-w050-e1-teacher_1xb64_digits
model = dict(
    architecture={{_base_.mbv2_w050_student}},
    teacher={{_base_.mbv2_w050_teacher}},
    teacher_ckpt='work_dirs/reduce-mbv2-w050-e1-teacher_1xb64_digits/'
    'epoch_80.pth')
