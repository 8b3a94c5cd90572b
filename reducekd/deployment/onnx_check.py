"""onnxruntime's view of an exported model, compared with PyTorch's.

Tolerances, relative to the largest PyTorch logit of the compared batch:

- fp32, :data:`FP32_TOLERANCE` = 1e-4. Float32's unit roundoff is 6e-8;
  onnxruntime folds BatchNorms into convolutions and sums in another order
  than PyTorch, which measures as about 1e-7 here. An operator exported
  wrongly (a dropped normalization, a wrong padding or stride, a misplaced
  branch) changes logits by 1e-2 or more, so 1e-4 keeps a margin of 100
  on both sides.
- fp16, :data:`FP16_TOLERANCE` = 1e-2. Half precision's unit roundoff is
  2^-11 = 4.9e-4; rounding at each of the about 20 layers of a CIFAR ResNet
  adds up to about 20 x 4.9e-4 = 1e-2 in the worst case (measured: 1e-3).

On a whole test split the two must agree on every prediction, except where
PyTorch's top two logits lie closer than the tolerance allows two outputs
to differ: there the rounding may legitimately pick the other class
(:func:`dataset_agreement`).
"""
import numpy as np
import torch

from reducekd.deployment.deployable import reference_logits
from reducekd.errors import ConversionError

FP32_TOLERANCE = 1e-4
FP16_TOLERANCE = 1e-2


def tolerance_for(fp16):
    """The relative logit tolerance of an fp16 or fp32 export."""
    return FP16_TOLERANCE if fp16 else FP32_TOLERANCE


def ort_session(model, threads=None):
    """An onnxruntime CPU session of ``model`` (a path or the bytes of an
    ONNX file).

    Args:
        threads (int, optional): Intra-op threads (one inter-op thread);
            onnxruntime's default (all cores) when None.
    """
    import onnxruntime
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    return onnxruntime.InferenceSession(
        model, options, providers=['CPUExecutionProvider'])


def input_dtype(session):
    """The numpy dtype of a session's input (float16 or float32)."""
    kind = session.get_inputs()[0].type  # e.g. 'tensor(float16)'
    return np.float16 if 'float16' in kind else np.float32


def fixed_batch_size(session):
    """The input's batch size, or None when it is symbolic."""
    size = session.get_inputs()[0].shape[0]
    return size if isinstance(size, int) else None


def run_session(session, images):
    """Logits of ``images`` (a float or uint8 batch) as float32 numpy.

    A model exported with a fixed batch size runs on chunks of that size;
    the last chunk is padded by repeating its last image and the padding's
    outputs are dropped.
    """
    images = torch.as_tensor(images).float().numpy().astype(
        input_dtype(session))
    name = session.get_inputs()[0].name
    size = fixed_batch_size(session) or len(images)
    outputs = []
    for start in range(0, len(images), size):
        chunk = images[start:start + size]
        real = len(chunk)
        if real < size:
            chunk = np.concatenate(
                [chunk, np.repeat(chunk[-1:], size - real, axis=0)])
        outputs.append(session.run(None, {name: chunk})[0][:real])
    return np.concatenate(outputs).astype(np.float32)


def relative_difference(reference, got):
    """``max |reference - got| / max |reference|`` and the absolute max."""
    reference = np.asarray(reference, dtype=np.float64)
    absolute = float(np.abs(reference - np.asarray(got)).max())
    return absolute / max(float(np.abs(reference).max()), 1e-12), absolute


def check_outputs(reference, got, tolerance, what='onnxruntime'):
    """Raise unless ``got`` is within ``tolerance`` of ``reference``.

    Returns:
        dict: ``max_abs_diff`` and ``max_rel_diff``.

    Raises:
        ConversionError: The relative difference is above ``tolerance`` or
            not finite.
    """
    relative, absolute = relative_difference(reference, got)
    if not relative <= tolerance:  # also catches NaN
        raise ConversionError(
            f'{what} differs from PyTorch by {absolute:.3g} (max abs; '
            f'{relative:.2e} of the largest logit, at most {tolerance:.0e} '
            'allowed). The export is wrong: try another --opset, or export '
            'in fp32 if this was --fp16.')
    return dict(max_abs_diff=absolute, max_rel_diff=relative)


def dataset_agreement(pytorch_logits, onnx_logits, labels, tolerance):
    """Top-1 of both on a labelled split, and the predictions they differ on.

    A differing prediction is *explained* when PyTorch's top two logits lie
    within ``2 * tolerance * max |logit|`` of each other (each output may
    move by ``tolerance`` of the largest logit).

    Returns:
        dict: ``pytorch_top1`` and ``onnx_top1`` (percent), ``samples``,
        ``disagreements`` and ``unexplained`` (counts).
    """
    pytorch_logits = np.asarray(pytorch_logits, dtype=np.float64)
    labels = np.asarray(labels)
    pytorch_pred = pytorch_logits.argmax(1)
    onnx_pred = np.asarray(onnx_logits).argmax(1)
    top2 = np.sort(pytorch_logits, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    allowed = 2 * tolerance * np.abs(pytorch_logits).max()
    differ = pytorch_pred != onnx_pred
    return dict(
        samples=int(len(labels)),
        pytorch_top1=float((pytorch_pred == labels).mean() * 100),
        onnx_top1=float((onnx_pred == labels).mean() * 100),
        disagreements=int(differ.sum()),
        unexplained=int((differ & (margin > allowed)).sum()))


def split_logits(session, network, preprocessor, dataloader):
    """Logits of PyTorch (through mmpretrain's preprocessor) and of
    onnxruntime on every batch of ``dataloader``, and the labels.

    Returns:
        tuple[ndarray, ndarray, ndarray]: PyTorch logits, onnxruntime
        logits, labels.
    """
    pytorch, onnx, labels = [], [], []
    for data in dataloader:
        images = torch.stack(list(data['inputs']))
        pytorch.append(reference_logits(network, preprocessor,
                                        images).float().numpy())
        onnx.append(run_session(session, images))
        labels.extend(int(sample.gt_label[0])
                      for sample in data['data_samples'])
    return np.concatenate(pytorch), np.concatenate(onnx), np.array(labels)
