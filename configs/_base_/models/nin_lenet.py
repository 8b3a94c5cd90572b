# Teacher and student of the logit KD family (seed: uptodiff/model_compression,
# code chengshengchan/model_compression), as named variables so a
# distillation config takes both from this file: {{_base_.nin_teacher}}.
#
# nin_teacher: Network in Network (reducekd NiN backbone, 0.97M parameters)
#   with a global average pool and a linear classifier on its 192-channel
#   map. The seed's Caffe-converted teacher ended in two fully connected
#   layers instead (see the NiN docstring); not reproduced. Dropout 0.5
#   after stages 0 and 1, as in the original NiN and the seed's default
#   (the seed README's run used 0.8 on the frozen teacher; ours is frozen in
#   eval mode, so the teacher's dropout only acts while it is trained alone).
# lenet_student: the seed's widened LeNet: conv5x5 64 - maxpool2 - conv5x5
#   128 - maxpool2 - fc 1024 - fc 10 (LeNetCIFAR with conv_channels=(64, 128),
#   fc_channels=(1024, )). Differences from the seed: ReLU after the two
#   convolutions (the seed had none), PyTorch's default initialisation
#   instead of Xavier with N(0, 0.5) biases. No dropout: the seed's dropout
#   argument reached the teacher only.
nin_teacher = dict(
    type='ImageClassifier',
    backbone=dict(type='NiN', dropout=0.5),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=192,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
# The digits demo's teacher: NiN with a BatchNorm after every convolution
# (NiN's with_bn, not in the original) and no dropout. The original NiN has
# no normalisation layers; on 200 training images it learnt too slowly for a
# CPU demo: 21.7% test accuracy after 140 Adam steps with dropout 0.5,
# 82.2% after 390 steps without dropout, below the LeNet student alone
# (about 95%). With BatchNorm: 97.2% after 390 steps
# (configs/logit_kd/nin-bn_1xb16_digits.py).
nin_bn_teacher = dict(
    type='ImageClassifier',
    backbone=dict(type='NiN', dropout=0.0, with_bn=True),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=192,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
lenet_student = dict(
    type='ImageClassifier',
    backbone=dict(type='LeNetCIFAR', conv_channels=(64, 128),
                  fc_channels=(1024, ), dropout=0.0),
    head=dict(type='LinearClsHead', num_classes=10, in_channels=1024,
              loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
)
