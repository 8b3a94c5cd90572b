# scikit-learn's handwritten digits at 3x32x32 (embedded, no download).
# Fixed stratified split: 1,437 train / 360 test. Set
# train_dataloader.dataset.per_class=20 for the low-data regime in which the
# distillation methods differ (on all images every model reaches 99.7%).
dataset_type = 'Digits'
data_preprocessor = dict(
    type='ClsDataPreprocessor',
    num_classes=10,
    mean=[77.8, 77.8, 77.8],  # of the upsampled images, 0-255 scale
    std=[82.5, 82.5, 82.5],
    to_rgb=False,
)

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),  # no flip: digits
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    dataset=dict(type=dataset_type, split='train', pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=0,
    dataset=dict(type=dataset_type, split='test', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
