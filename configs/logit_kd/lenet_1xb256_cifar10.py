# The logit KD student (the seed's widened LeNet, see
# _base_/models/nin_lenet.py) trained alone on CIFAR-10 labels, with the
# seed's schedule: Adam lr 1e-3, 100 epochs, x0.1 at epoch 80, batch 256, no
# data augmentation. The seed's student.npy ("trained on lenet, using ground
# truth label directly", 66.15%) does not state its schedule; we assume the
# distillation runs' one.
_base_ = [
    '../_base_/models/nin_lenet.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/adam_step80_100e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.lenet_student}}
train_dataloader = dict(batch_size=256,
                        dataset=dict(pipeline=[dict(type='PackInputs')]))
