# ReduceNet stage 2 with MobileNetV2 blocks and a linear LoRA branch beside
# every projection conv1x1: conv1x1(hidden, 8) -> LambdaReLU ->
# conv1x1(8, out). lambda goes from 0 (ReLU) to 1 (identity) over the first
# 60% of training, so the branch ends linear;
# tools/model_converters/reparameterize.py then merges it into the
# projection, and the result is a plain MobileNetV2 w0.5
# (mbv2-w050-student_1xb64_digits.py loads it strictly).
_base_ = [
    './reducenet_mbv2-w050-student_from_reduce-mbv2-w050-e1-teacher_1xb64_digits.py',  # noqa: E501
]
model = dict(
    architecture=dict(backbone=dict(
        lora=dict(type='LowRankConvBranch', rank=8, lambda_relu=True))))
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='LambdaReLUAnnealHook', anneal_ratio=0.6, schedule='linear'),
]
