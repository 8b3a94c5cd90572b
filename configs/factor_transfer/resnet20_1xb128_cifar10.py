# Factor Transfer's official student, ResNet-20, trained alone on CIFAR-10:
# the baseline of ft_resnet20_from_resnet56_1xb128_cifar10_train.py, with the
# same schedule (the official train_student.py / train_teacher.py one).
_base_ = ['./resnet56_1xb128_cifar10.py']
model = {{_base_.resnet20}}
