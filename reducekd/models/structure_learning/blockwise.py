"""Block-wise distillation: train each candidate to imitate its teacher block.

`Compact CNN Structure Learning by Knowledge Distillation
<https://arxiv.org/abs/2104.09191>`_ optimises block by block. Every
candidate of a block is trained alone, on the frozen eval-mode teacher's
input to that block, to reproduce the teacher block's output with a feature
loss (any ``MODELS`` loss called as ``loss(preds_S, preds_T)``). One teacher
forward pass per batch feeds every candidate of every block, and no
gradient crosses blocks, so each candidate's training is independent of the
others. A candidate is then scored on held-out images by its normalised
error (:func:`normalized_error`); the teacher's own block scores 0.
"""
import time

import torch

from reducekd.registry import MODELS, OPTIMIZERS

from .blocks import BlockRecorder


def normalized_error(sum_squared_error, sum_target, sum_target_squared,
                     count):
    """Mean squared error divided by the variance of the target.

    ``sum((s - t)^2) / sum((t - mean(t))^2)`` over all ``count`` elements:
    0 for a perfect copy, 1 for predicting the target's mean everywhere.
    """
    variance_sum = sum_target_squared - sum_target**2 / count
    return sum_squared_error / max(variance_sum, 1e-12)


def _format_seconds(seconds):
    minutes, seconds = divmod(int(seconds), 60)
    return f'{minutes}m{seconds:02d}s' if minutes else f'{seconds}s'


def train_blockwise(teacher, candidates, batches, iters, loss_cfg,
                    optimizer_cfg, log=print):
    """Train every candidate on its block's recorded teacher features.

    Args:
        teacher (nn.Module): The frozen teacher (kept in eval mode).
        candidates (dict): ``{block_path: [nn.Module, ...]}``; a module
            without parameters (the identity) is only scored, not trained.
        batches (Iterator[Tensor]): Preprocessed training images, endless.
        iters (int): Training iterations (one batch each).
        loss_cfg (dict): Feature loss, e.g.
            ``dict(type='ReconstructionLoss', p=2)``.
        optimizer_cfg (dict): e.g. ``dict(type='Adam', lr=1e-3)``; the
            learning rate decays to 0 on a cosine over ``iters``.
        log (callable): Receives progress lines (with an ETA).
    """
    teacher.eval()
    loss_fn = MODELS.build(loss_cfg)
    trainees = []
    for path, modules in candidates.items():
        for module in modules:
            if not any(True for _ in module.parameters()):
                continue  # nothing to train (the identity)
            optimizer = OPTIMIZERS.build(
                dict(optimizer_cfg, params=module.parameters()))
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
                optimizer, T_max=max(iters, 1))
            trainees.append((path, module.train(), optimizer, scheduler))
    started = time.time()
    report_every = max(1, iters // 10)
    with BlockRecorder(teacher, list(candidates)) as recorder:
        for step in range(1, iters + 1):
            with torch.no_grad():
                teacher(next(batches), mode='tensor')
            total = 0.0
            for path, module, optimizer, scheduler in trainees:
                loss = loss_fn(module(recorder.inputs[path]),
                               recorder.outputs[path])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                scheduler.step()
                total += loss.item()
            if step % report_every == 0 or step == iters:
                elapsed = time.time() - started
                log(f'block-wise training: iter {step}/{iters}, mean '
                    f'feature loss {total / max(len(trainees), 1):.4f}, elapsed '
                    f'{_format_seconds(elapsed)}, ETA '
                    f'{_format_seconds(elapsed / step * (iters - step))}')


def heldout_errors(teacher, candidates, batches):
    """Normalised held-out error of every candidate (eval mode).

    Args:
        teacher (nn.Module): The frozen teacher.
        candidates (dict): ``{block_path: [nn.Module, ...]}``.
        batches (Iterable[Tensor]): Preprocessed held-out images.

    Returns:
        dict: ``{block_path: [error, ...]}`` in the order of ``candidates``.
    """
    teacher.eval()
    squared = {path: [0.0] * len(mods) for path, mods in candidates.items()}
    target = {path: [0.0, 0.0, 0] for path in candidates}
    with torch.no_grad(), BlockRecorder(teacher, list(candidates)) as rec:
        for images in batches:
            teacher(images, mode='tensor')
            for path, modules in candidates.items():
                out = rec.outputs[path].double()
                stats = target[path]
                stats[0] += out.sum().item()
                stats[1] += out.pow(2).sum().item()
                stats[2] += out.numel()
                for index, module in enumerate(modules):
                    was_training = module.training
                    module.eval()
                    pred = module(rec.inputs[path]).double()
                    module.train(was_training)
                    squared[path][index] += (pred - out).pow(2).sum().item()
    return {path: [normalized_error(error, *target[path])
                   for error in squared[path]] for path in candidates}
