# Factor Transfer stage 1 on the digits demo (200 training images, GUIDE
# section 4): train the paraphraser on the frozen ReduceNet reduce20 w1 e1
# teacher. Convention: the official code's (Jangho-Kim/Factor-Transfer-
# pytorch, train_Paraphraser.py) for every Factor Transfer setting; only the
# number of epochs is adapted to the 200-image set (see max_epochs).
#
# The teacher is the one of configs/reducenet/reduce20-w1-e1-teacher_1xb64_
# digits.py (80 epochs); train it first:
#   sh tools/dist_train.sh local demo \
#     configs/reducenet/reduce20-w1-e1-teacher_1xb64_digits.py \
#     work_dirs/reduce20-w1-e1-teacher_1xb64_digits
_base_ = [
    '../_base_/models/reducenet_cifar.py',
    '../_base_/datasets/digits_20per_class_bs64.py',
    '../_base_/default_runtime.py',
    '../_base_/factor_transfer_stage1.py',
]
teacher_ckpt = 'work_dirs/reduce20-w1-e1-teacher_1xb64_digits/epoch_80.pth'

model = dict(teacher={{_base_.reduce_teacher}}, teacher_ckpt=teacher_ckpt)

# official: SGD lr 0.1, momentum 0.9, weight decay 5e-4, constant lr (its
# MultiStepLR steps at epochs 150/225 never come within its 5 epochs): no
# param_scheduler here.
# paramwise_cfg (empty, but present) makes mmengine leave the frozen
# teacher's parameters out of the optimizer: it holds the paraphraser's only.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys=dict()))
# official: 5 epochs of CIFAR-10 (5 x 391 = 1,955 iterations at batch 128;
# its loop runs epochs 0..5, six passes). 5 epochs of the 200 digits are 20
# iterations, too few for the loss to settle (it stays near its start for
# ~15 epochs, then falls): 150 epochs (600 iterations).
# Validation runs the teacher (a check of teacher_ckpt): once, at the end.
train_cfg = dict(by_epoch=True, max_epochs=150, val_interval=150)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=4),
                     checkpoint=dict(interval=50, save_best=None))
