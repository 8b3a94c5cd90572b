# Teacher of the MobileNetV2 structure-learning demo: the plain CIFAR
# MobileNetV2 at width 0.5, last conv 320 channels (535,370 parameters,
# 27.3M MAdds at 32x32) on the digits, 20 training images per class, 80
# epochs of ReduceNet's SGD schedule: the same run as ReduceNet's
# MobileNetV2 student alone.
_base_ = ['../reducenet/mbv2-w050-student_1xb64_digits.py']
