# The logit KD seed's schedule shape (Adam lr 1e-3, no weight decay, x0.1
# after 80% of the epochs) for the digits demo: 200 training images at batch
# 16 (13 iterations an epoch), 60 epochs (780 iterations), lr x0.1 at 48.
# At 20 epochs of batch 64 (80 iterations) the logit-regression students
# were still far from converged (see configs/logit_kd/README.md).
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=0))
param_scheduler = dict(type='MultiStepLR', milestones=[48], gamma=0.1,
                       by_epoch=True)
train_cfg = dict(by_epoch=True, max_epochs=60, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=16)
