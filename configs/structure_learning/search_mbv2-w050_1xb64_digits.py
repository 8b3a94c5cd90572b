# Structure learning (Ahmed et al., https://arxiv.org/abs/2104.09191) of a
# MobileNetV2-family student of the MobileNetV2 w0.5 digits teacher:
#   python tools/structure_search.py \
#       configs/structure_learning/search_mbv2-w050_1xb64_digits.py \
#       --budget flops=0.5        (or params=0.2)
# Every block of the student is an inverted residual (of the teacher, or of
# another expansion ratio or kernel size) or, where the shape allows, is
# dropped. The rest of the file is the teacher's training config: the written
# student configs fine-tune with its data, schedule and runtime.
_base_ = ['./mbv2-w050_1xb64_digits.py']
search = dict(
    # trained by: sh tools/dist_train.sh local demo
    #   configs/structure_learning/mbv2-w050_1xb64_digits.py
    #   work_dirs/structure_learning/mbv2-w050_1xb64_digits
    teacher_ckpt='work_dirs/structure_learning/mbv2-w050_1xb64_digits/'
    'epoch_80.pth',
    input_shape=(3, 32, 32),
    blocks=None,  # default split: the 17 inverted residuals
    candidates=[
        dict(type='ReducedInvertedResidual', ratio=1.0, kernel_size=5),
        dict(type='ReducedInvertedResidual', ratio=0.5),  # expansion 3
        dict(type='ReducedInvertedResidual', ratio=0.25),  # expansion 1.5
        dict(type='ReducedInvertedResidual', ratio=1 / 6),  # expansion 1
        dict(type='SkipBlock'),  # where stride 1 and channels kept
    ],
    feature_loss=dict(type='ReconstructionLoss', p=2),  # MSE on features
    optimizer=dict(type='Adam', lr=1e-3),
    iters=200,
    batch_size=32,
    heldout_fraction=0.2,  # of the 200 training images, scored unaugmented
    kd=dict(alpha=0.7, tau=5),  # fine-tuning: 0.3 CE + 0.7 T^2 KL
    # the uniformly thinned MobileNetV2 of the same cost: every block an
    # inverted residual of one common hidden-width ratio
    uniform_baseline='ReducedInvertedResidual',
)
