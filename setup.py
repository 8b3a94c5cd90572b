"""reducekd: knowledge distillation for CNNs on the OpenMMLab 2.x stack.

Install (CPU, tested versions):
    pip install -c requirements/constraints.txt -e ".[lite,tests,deploy]"
On a GPU cluster with a full mmcv build, leave out the ``lite`` extra.
"""
from setuptools import find_packages, setup

#: ONNX export (torch's dynamo exporter writes through onnxscript) and its
#: check by onnxruntime. mmdeploy is not among them: its last release pins
#: protobuf<=3.20.2, which current onnx (protobuf>=6) cannot use.
DEPLOY = ['onnx>=1.16', 'onnxscript>=0.2', 'onnxruntime>=1.17']

setup(
    name='reducekd',
    version='0.1.0',
    description='Knowledge distillation for CNNs as an OpenMMLab plugin: '
    'ReduceNet, Factor Transfer, logit KD, compact structure learning.',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.8',
    packages=find_packages(include=['reducekd', 'reducekd.*']),
    install_requires=[
        'torch>=2.1',
        'torchvision',  # mmpretrain imports it without declaring it
        'mmengine>=0.10,<0.11',
        'mmpretrain>=1.2,<1.3',
        'mmrazor==1.0.0',
        'joblib',  # mmrazor imports it without declaring it
        'scipy',  # mmrazor's OFD distiller needs it, undeclared
        'scikit-learn',  # the embedded digits dataset
        'numpy',
    ],
    extras_require={
        # mmcv without compiled ops; a GPU cluster installs full mmcv
        # (mmrazor 1.0.0 accepts mmcv >= 2.0.0rc1, <= 2.1.0) instead.
        'lite': ['mmcv-lite>=2.0.0,<=2.1.0'],
        # tensorboard: the tests check configs/_base_/tensorboard.py
        # timm: the teacher of mmrazor's DeiT zoo config (TIMMBackbone)
        # the deploy packages: the tests export every model family to ONNX
        'tests': ['pytest', 'pytest-timeout', 'tensorboard', 'timm',
                  *DEPLOY],
        'zoo': ['timm'],
        # tools/deployment/pytorch2onnx.py, tools/benchmark/onnx_latency.py
        'deploy': DEPLOY,
        # configs/_base_/tensorboard.py: mmengine's TensorboardVisBackend
        'tensorboard': ['tensorboard'],
    },
    license='Apache License 2.0',
)
