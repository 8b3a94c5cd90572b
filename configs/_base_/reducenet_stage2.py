# ReduceNet stage 2 (reducenet_kd.py) on ReduceNet's CIFAR ResNet: the
# reduce20 w1 student inherits the reduce20 w1 e1 teacher's weights.
_base_ = ['./reducenet_kd.py', './models/reducenet_cifar.py']
model = dict(
    architecture={{_base_.reduce_student}},
    teacher={{_base_.reduce_teacher}})
