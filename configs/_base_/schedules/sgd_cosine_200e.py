# ReduceNet's CIFAR schedule: SGD 0.1, momentum 0.9, nesterov, wd 1e-4,
# cosine annealing over 200 epochs, batch 128.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, nesterov=True,
                   weight_decay=1e-4))
param_scheduler = dict(type='CosineAnnealingLR', T_max=200, by_epoch=True,
                       convert_to_iter_based=True)
train_cfg = dict(by_epoch=True, max_epochs=200, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=128)
