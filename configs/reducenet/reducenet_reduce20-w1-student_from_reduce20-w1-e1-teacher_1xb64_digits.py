# ReduceNet stage 2 on the digits demo: the reduce20 w1 student inherits the
# stage-1 teacher's weights and is distilled from it (alpha 0.7, T 5; KL
# averaged per sample, as measured in GUIDE section 4).
_base_ = [
    '../_base_/datasets/digits_20per_class_bs64.py',
    '../_base_/schedules/digits_sgd_cosine_80e.py',
    '../_base_/default_runtime.py',
    '../_base_/reducenet_stage2.py',
]
# written by: sh tools/dist_train.sh local demo \
#   configs/reducenet/reduce20-w1-e1-teacher_1xb64_digits.py \
#   work_dirs/reduce20-w1-e1-teacher_1xb64_digits
model = dict(teacher_ckpt='work_dirs/reduce20-w1-e1-teacher_1xb64_digits/'
             'epoch_80.pth')
