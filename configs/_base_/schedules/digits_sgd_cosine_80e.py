# ReduceNet's schedule (SGD 0.1, momentum 0.9, nesterov, wd 1e-4, cosine)
# over 80 epochs of the 200-image digits subset (320 iterations at batch 64).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, nesterov=True,
                   weight_decay=1e-4))
param_scheduler = dict(type='CosineAnnealingLR', T_max=80, by_epoch=True,
                       convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=80, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
