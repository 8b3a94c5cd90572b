# ReduceNet stage 1 on CIFAR-10 with the reference's schedule: SGD 0.1,
# momentum 0.9, nesterov, wd 1e-4, cosine over 200 epochs, batch 128,
# RandomCrop 32 pad 4 + horizontal flip. Reference: 412.1K params, 62.0M
# MAdds, 91.97% top-1 (ReduceNet README, ResNet20-1-T).
_base_ = [
    '../_base_/models/reducenet_cifar.py',
    '../_base_/datasets/cifar10_bs128.py',
    '../_base_/schedules/sgd_cosine_200e.py',
    '../_base_/default_runtime.py',
]
model = {{_base_.reduce_teacher}}
