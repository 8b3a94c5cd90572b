# The logit KD seed's schedule shape (Adam lr 1e-3, no weight decay, x0.1
# after 80% of the epochs) shortened for the digits demo: 200 training
# images, batch 64, 20 epochs (80 iterations), lr x0.1 at epoch 16.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=0))
param_scheduler = dict(type='MultiStepLR', milestones=[16], gamma=0.1,
                       by_epoch=True)
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
