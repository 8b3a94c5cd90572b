"""Models, data and optimizers of the benchmarks, built from the real configs.

Distillation configs are built with a teacher checkpoint saved from a
freshly built teacher (the algorithms load it strictly) and, for Factor
Transfer, a stage-1 checkpoint holding that teacher and a fresh paraphraser.
Weights are random: the benchmarks time iterations, not accuracy.
"""
import copy
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)  # run from a checkout, as the other tools

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.optim import OptimWrapper  # noqa: E402
from mmpretrain.structures import DataSample  # noqa: E402

from reducekd.complexity import build_in_scope  # noqa: E402

REDUCENET = 'configs/reducenet/'
STUDENT = REDUCENET + 'reduce20-w1-student_1xb128_cifar10.py'
TEACHER = REDUCENET + 'reduce20-w1-e1-teacher_1xb128_cifar10.py'
# The CIFAR-10 stage-2 config of this pair does not build (its
# ``distill_losses=dict(loss_kd=dict(reduction='mean'))`` replaces the
# LogitDistiller's KDLoss): the digits one has the same models and loss.
REDUCENET_STAGE2 = (REDUCENET + 'reducenet_reduce20-w1-student_from_'
                    'reduce20-w1-e1-teacher_1xb64_digits.py')
FT_STAGE2 = ('configs/factor_transfer/ft_reduce20-w1-student_from_'
             'reduce20-w1-e1-teacher_1xb64_digits_train.py')
KD = ('configs/logit_kd/kd_resnet18-w8_from_resnet18-w16_1xb64_digits.py')
LOGIT_REGRESSION = ('configs/logit_kd/logit-regression_resnet18-w8_from_'
                    'resnet18-w16_1xb64_digits.py')
#: The LoRA branch of configs/reducenet/reducenet-lora_*.py.
LORA = dict(type='LowRankConvBranch', rank=8, lambda_relu=True)


def load_config(path):
    """The config at ``path`` (relative to the repository)."""
    return Config.fromfile(osp.join(REPO, path))


def model_config(cfg):
    """``cfg.model`` with the config's data preprocessor, as the Runner
    would set it."""
    model = copy.deepcopy(cfg.model)
    if cfg.get('data_preprocessor') is not None:
        model.setdefault('data_preprocessor', cfg.data_preprocessor)
    return model


def build_classifier(path=STUDENT, lora=None):
    """The classifier of a plain config, optionally with a LoRA branch."""
    model = model_config(load_config(path))
    if lora is not None:
        model.backbone.lora = lora
    return build_in_scope(model)


def linear_lora_student(path=STUDENT):
    """The LoRA student of ``path`` at the end of training, in eval mode:
    every LambdaReLU at 1 and the (zero-initialised) up-projections random,
    so fusing changes the main kernels."""
    from torch import nn

    from reducekd.models.connectors.lora_branch import (LambdaReLU,
                                                        LowRankConvBranch)
    model = build_classifier(path, lora=LORA)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, LambdaReLU):
                module.set_lambda(1.0)
            if isinstance(module, LowRankConvBranch):
                nn.init.normal_(module.up.weight, std=0.05)
    return model.eval()


def save_checkpoint(state, path):
    """Save ``state`` as an mmengine-style checkpoint and return ``path``."""
    torch.save(dict(state_dict=state), path)
    return path


def build_distill(path, workdir, pair_from=None, teacher_cache=None):
    """A distillation algorithm of the reduce20 w1 pair, from ``path``.

    Args:
        path (str): The distillation config.
        workdir (str): Where the fresh teacher (and stage-1) checkpoints go.
        pair_from (str, optional): For configs of another pair (the logit
            KD ones): replace their teacher and student by those of the
            ReduceNet stage-2 config, so every method distils the same pair.
        teacher_cache (str, optional): A teacher-output table
            (:func:`random_teacher_table`) that replaces the teacher.

    Returns:
        BaseModel: The algorithm, in training mode, with the CIFAR-10 data
        preprocessor of the student config.
    """
    cfg = load_config(path)
    model = model_config(cfg)
    if pair_from is not None:
        pair = load_config(pair_from).model
        model.teacher = pair.teacher
        model.architecture = pair.architecture
    model.data_preprocessor = load_config(STUDENT).data_preprocessor
    teacher = build_in_scope(model.teacher)
    model.teacher_ckpt = save_checkpoint(
        teacher.state_dict(), osp.join(workdir, 'teacher.pth'))
    if model.type == 'FactorTransferDistill':
        model.paraphraser_ckpt = _stage1_checkpoint(model, teacher, workdir)
    model.teacher_cache = teacher_cache
    algorithm = build_in_scope(model)
    algorithm.train()
    return algorithm


def _stage1_checkpoint(model, teacher, workdir):
    """A Factor Transfer stage-1 checkpoint: ``teacher`` and a fresh
    paraphraser under ``distiller.connectors.<name>.``."""
    name = model.get('paraphraser', 'paraphraser')
    paraphraser = build_in_scope(model.distiller.connectors[name])
    state = {f'teacher.{k}': v for k, v in teacher.state_dict().items()}
    state.update({f'distiller.connectors.{name}.{k}': v
                  for k, v in paraphraser.state_dict().items()})
    return save_checkpoint(state, osp.join(workdir, 'stage1.pth'))


#: Views per image of CIFAR's RandomCrop(32, padding 4) + horizontal flip.
CIFAR_VIEWS = 162


def fake_batch(batch_size, num_classes=10, seed=0, num_samples=None):
    """Random 3x32x32 images and labels in the data preprocessor's format
    (``inputs`` a uint8-range float tensor, ``data_samples`` with
    ``gt_label``, and the ``sample_idx`` and ``teacher_view`` a
    view-recording pipeline adds, drawn from ``num_samples`` and
    :data:`CIFAR_VIEWS`)."""
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randint(0, 256, (batch_size, 3, 32, 32),
                           generator=generator).float()
    labels = torch.randint(0, num_classes, (batch_size,), generator=generator)
    indices = torch.randperm(num_samples or batch_size, generator=generator)
    views = torch.randint(0, CIFAR_VIEWS, (batch_size,), generator=generator)
    samples = [DataSample(metainfo=dict(sample_idx=int(index),
                                        teacher_view=int(view)))
               .set_gt_label(int(label))
               for label, index, view in zip(labels, indices, views)]
    return dict(inputs=inputs, data_samples=samples)


def random_teacher_table(workdir, num_samples, num_classes=10):
    """A teacher-output table of random logits (``num_samples`` x
    :data:`CIFAR_VIEWS` x ``num_classes``, fp32), written by the cache's
    own writer; returns its folder."""
    from reducekd.teacher_cache.table import TableWriter
    shape = (num_samples, CIFAR_VIEWS, num_classes)
    writer = TableWriter(osp.join(workdir, 'table'), {}, shape, 'fp32',
                         chunk_size=num_samples)
    writer.open()
    writer.write(0, torch.randn(shape).numpy())
    writer.finish({})
    return writer.directory


def sgd_wrapper(model, lr=0.1):
    """``OptimWrapper(SGD)`` over the trainable parameters of ``model``, the
    settings of the ReduceNet configs (momentum 0.9, nesterov, wd 1e-4)."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True,
                                weight_decay=1e-4)
    return OptimWrapper(optimizer=optimizer)
