# The low-data digits of digits_20per_class_bs64.py at batch 16: more steps
# per epoch for the small models of the logit KD demo.
_base_ = ['./digits_20per_class_bs64.py']
train_dataloader = dict(batch_size=16)
