# The logit KD seed's schedule (chengshengchan/model_compression,
# teacher-student.py): Adam, lr 1e-3, no weight decay, lr x0.1 after 80% of
# the epochs (epoch 80 of 100). The seed used batch 256.
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, weight_decay=0))
param_scheduler = dict(type='MultiStepLR', milestones=[80], gamma=0.1,
                       by_epoch=True)
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=256)
