# The digits in the low-data regime where distillation methods differ
# (GUIDE section 4): 20 training images per class (200 in all), a fixed
# subset (subset_seed 0); the test split keeps all 360 images.
_base_ = ['./digits_bs64.py']
train_dataloader = dict(dataset=dict(per_class=20, subset_seed=0))
