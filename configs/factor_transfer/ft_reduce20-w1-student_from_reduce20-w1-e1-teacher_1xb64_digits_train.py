# Factor Transfer stage 2 on the digits demo (200 training images, GUIDE
# section 4): the ReduceNet reduce20 w1 student (no bottleneck branches,
# trained from scratch) learns from the reduce20 w1 e1 teacher through the
# stage-1 paraphraser. Convention: the official code's (Jangho-Kim/Factor-
# Transfer-pytorch, train_student.py) for every Factor Transfer setting; the
# schedule is the digits demo's, the same as the student-alone baseline
# configs/reducenet/reduce20-w1-student_1xb64_digits.py, so the two compare.
_base_ = [
    '../_base_/models/reducenet_cifar.py',
    '../_base_/datasets/digits_20per_class_bs64.py',
    '../_base_/schedules/digits_sgd_cosine_80e.py',
    '../_base_/default_runtime.py',
    '../_base_/factor_transfer_stage2.py',
]
teacher_ckpt = 'work_dirs/reduce20-w1-e1-teacher_1xb64_digits/epoch_80.pth'
paraphraser_ckpt = ('work_dirs/ft_reduce20-w1-student_from_reduce20-w1-e1-'
                    'teacher_1xb64_digits_pretrain/epoch_150.pth')

model = dict(architecture={{_base_.reduce_student}},
             teacher={{_base_.reduce_teacher}},
             teacher_ckpt=teacher_ckpt,
             paraphraser_ckpt=paraphraser_ckpt)
# official: one SGD for the student and one for the translator with the same
# settings, i.e. one optimizer over both; here the digits schedule's (SGD
# 0.1, momentum 0.9, nesterov, wd 1e-4, cosine, 80 epochs, batch 64).
