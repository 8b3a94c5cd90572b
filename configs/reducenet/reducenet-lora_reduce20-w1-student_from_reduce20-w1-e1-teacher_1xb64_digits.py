# ReduceNet stage 2 with a linear LoRA branch beside every main conv3x3:
# conv3x3(in, 8) -> LambdaReLU -> conv1x1(8, out). LambdaReLU's lambda goes
# from 0 (ReLU) to 1 (identity) over the first 60% of training, so the branch
# ends linear; tools/model_converters/reparameterize.py then merges it into
# the main conv, and the result is a plain reduce20-w1 student.
_base_ = [
    './reducenet_reduce20-w1-student_from_reduce20-w1-e1-teacher_1xb64_digits.py',
]
model = dict(
    architecture=dict(backbone=dict(
        lora=dict(type='LowRankConvBranch', rank=8, lambda_relu=True))))
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='LambdaReLUAnnealHook', anneal_ratio=0.6, schedule='linear'),
]
