# The logit KD teacher (Network in Network) trained alone on CIFAR-10 with
# the seed's schedule: Adam lr 1e-3, 100 epochs, x0.1 at epoch 80, batch 256,
# no data augmentation (the seed only subtracted the mean image; here the
# per-channel mean/std of the dataset base), dropout 0.5 in NiN.
# The seed did not train its teacher: it converted a Caffe NiN (78.1%) whose
# training schedule it does not give; this schedule is our choice.
# The distillation configs read its last checkpoint:
#   work_dirs/nin_1xb256_cifar10/epoch_100.pth
_base_ = [
    '../_base_/models/nin_lenet.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/adam_step80_100e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.nin_teacher}}
train_dataloader = dict(batch_size=256,
                        dataset=dict(pipeline=[dict(type='PackInputs')]))
