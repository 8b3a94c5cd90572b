# Structure learning (Ahmed et al., https://arxiv.org/abs/2104.09191) of a
# student of the ResNet-20 digits teacher:
#   python tools/structure_search.py \
#       configs/structure_learning/search_resnet20_1xb64_digits.py \
#       --budget flops=0.5
# The rest of the file is the teacher's training config: the written student
# configs fine-tune with its data, schedule and runtime.
_base_ = ['./resnet20_1xb64_digits.py']
search = dict(
    # trained by: sh tools/dist_train.sh local demo
    #   configs/structure_learning/resnet20_1xb64_digits.py
    #   work_dirs/structure_learning/resnet20_1xb64_digits
    teacher_ckpt='work_dirs/structure_learning/resnet20_1xb64_digits/'
    'epoch_80.pth',
    input_shape=(3, 32, 32),
    blocks=None,  # default split: the 9 basic blocks (layer1.0 ... layer3.2)
    candidates=[
        dict(type='ReducedWidth', ratio=0.75),
        dict(type='ReducedWidth', ratio=0.5),
        dict(type='ReducedWidth', ratio=0.25),
        dict(type='DepthwiseSeparable', ratio=1.0),
        dict(type='DepthwiseSeparable', ratio=0.5),
    ],
    feature_loss=dict(type='ReconstructionLoss', p=2),  # MSE on features
    optimizer=dict(type='Adam', lr=1e-3),
    iters=300,
    batch_size=32,
    heldout_fraction=0.2,  # of the 200 training images, scored unaugmented
    kd=dict(alpha=0.7, tau=5),  # fine-tuning: 0.3 CE + 0.7 T^2 KL
    uniform_baseline='ReducedWidth',
)
