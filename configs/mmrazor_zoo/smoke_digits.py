# An overlay that runs any of mmrazor's classification distillation configs
# for a few iterations on the embedded digits:
#
#   python tools/train.py mmrazor::distill/mmcls/kd/kd_logits_resnet34_resnet18_8xb32_in1k.py \
#       --cfg-options overlay=configs/mmrazor_zoo/smoke_digits.py random_weights=True
#
# (CRD wraps its dataset: use smoke_digits_crd.py for it.) It substitutes
# * the data: the three data loaders read reducekd's Digits (scikit-learn's
#   handwritten digits at 3x32x32; 20 training images per class, the 360
#   test images for validation and test) with the digits' pipeline
#   (RandomCrop 32 with padding 4, PackInputs), batches of 16, no workers,
#   2 training batches and 1 validation batch per epoch;
# * the schedule: 1 epoch (an epoch-based loop also for the data-free
#   configs, which count iterations) and no learning-rate schedulers (their
#   warm-ups and steps begin after a run this short would end).
# The model (input size follows the images: 32x32), its data preprocessor,
# the optimizers, the validation loop, hooks and evaluators stay the
# config's. Teacher weights are not substituted: random_weights=True starts
# the parts whose weights are not on this machine from random weights (and
# says so), or pass local files (see the README's zoo section).
train_dataloader = dict(
    _delete_=True,
    batch_size=16,
    num_workers=0,
    num_batch_per_epoch=2,
    dataset=dict(
        _scope_='reducekd',
        type='Digits',
        split='train',
        per_class=20,
        pipeline=[
            dict(type='RandomCrop', crop_size=32, padding=4),
            dict(type='PackInputs'),
        ]),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    _delete_=True,
    batch_size=16,
    num_workers=0,
    num_batch_per_epoch=1,
    dataset=dict(
        _scope_='reducekd',
        type='Digits',
        split='test',
        pipeline=[dict(type='PackInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_dataloader = val_dataloader
train_cfg = dict(_delete_=True, by_epoch=True, max_epochs=1, val_interval=1)
param_scheduler = []
