# The overlay of smoke_digits.py for mmrazor's CRD config, whose data loaders
# wrap their dataset in a CRDDataset (which adds the indices of contrastive
# negatives to each image) and pack it with PackCRDClsInputs:
#
#   python tools/train.py mmrazor::distill/mmcls/crd/crd_neck_r50_r18_8xb16_cifar10.py \
#       --cfg-options overlay=configs/mmrazor_zoo/smoke_digits_crd.py random_weights=True
#
# It keeps those wrappers (and their settings) and substitutes only the
# wrapped dataset: reducekd's Digits (20 training images per class, balanced,
# as CRDDataset's per-class index arrays need; the 360 test images), with
# RandomCrop 32 with padding 4 before the packing for training; no workers,
# 2 training batches and 1 validation (and test) batch of 16 per epoch;
# 1 epoch, no
# learning-rate schedulers. The rest stays the config's.
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    num_batch_per_epoch=2,
    dataset=dict(
        dataset=dict(
            _delete_=True,
            _scope_='reducekd',
            type='Digits',
            split='train',
            per_class=20,
            pipeline=[
                dict(type='RandomCrop', crop_size=32, padding=4),
                dict(_scope_='mmrazor', type='PackCRDClsInputs'),
            ])),
)
val_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    num_batch_per_epoch=1,
    dataset=dict(
        dataset=dict(
            _delete_=True,
            _scope_='reducekd',
            type='Digits',
            split='test',
            pipeline=[dict(_scope_='mmrazor', type='PackCRDClsInputs')])),
)
# The config's test loader is CIFAR-10's, unwrapped (CRDDataset adds nothing
# to test images): the digits' test split, packed the same way.
test_dataloader = dict(
    _delete_=True,
    batch_size=16,
    num_workers=0,
    num_batch_per_epoch=1,
    dataset=dict(
        _scope_='reducekd',
        type='Digits',
        split='test',
        pipeline=[dict(_scope_='mmrazor', type='PackCRDClsInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
train_cfg = dict(_delete_=True, by_epoch=True, max_epochs=1, val_interval=1)
param_scheduler = []
