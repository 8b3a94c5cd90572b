"""Write a deployable model as an ONNX file and check the file.

The exporter is the one torch recommends since 2.5 and uses by default
since 2.9: ``torch.onnx.export(..., dynamo=True)``, which captures the model
with ``torch.export`` and translates it with onnxscript. It writes opset 18
or newer; asked for an older opset it keeps 18 and says so only in a log
line, so :func:`export_onnx` refuses such opsets before exporting and checks
the opset of the written file afterwards.
"""
import contextlib
import importlib.util
import io
import logging
import os.path as osp
import warnings

import torch

from reducekd.checkpoint import ReplacingFile
from reducekd.errors import ConversionError
from reducekd.logs import logger_at_level

#: The oldest opset the dynamo exporter writes (torchlib's own opset).
OLDEST_OPSET = 18
#: The opset written unless asked otherwise: the oldest, which most runtimes
#: (onnxruntime >= 1.14, TensorRT >= 8.6) load.
DEFAULT_OPSET = OLDEST_OPSET
INPUT_NAME, OUTPUT_NAME = 'input', 'logits'


#: What exporting and checking need: the ``deploy`` extra of setup.py.
DEPLOY_PACKAGES = ('onnx', 'onnxscript', 'onnxruntime')


def require_deploy_packages():
    """Refuse to start without the packages of the ``deploy`` extra.

    Raises:
        ConversionError: One is not installed (named, with the install
            command).
    """
    missing = [name for name in DEPLOY_PACKAGES
               if importlib.util.find_spec(name) is None]
    if missing:
        raise ConversionError(
            f'ONNX export needs {", ".join(missing)}, which '
            f'{"is" if len(missing) == 1 else "are"} not installed: pip '
            'install -c requirements/constraints.txt -e ".[deploy]" (make '
            'install does).')


def newest_opset():
    """The newest opset the installed ``onnx`` package defines."""
    import onnx
    return onnx.defs.onnx_opset_version()


def check_opset(opset):
    """Refuse an opset the exporter cannot write.

    Raises:
        ConversionError: ``opset`` lies outside ``[18, newest_opset()]``.
    """
    newest = newest_opset()
    if not OLDEST_OPSET <= opset <= newest:
        raise ConversionError(
            f'opset {opset} cannot be exported: torch\'s ONNX exporter writes '
            f'opsets {OLDEST_OPSET} to {newest} (the newest the installed '
            f'onnx knows). Give --opset between {OLDEST_OPSET} and {newest}; '
            f'{DEFAULT_OPSET} loads in the most runtimes.')


def check_output_path(path):
    """Refuse an output file whose folder does not exist.

    Raises:
        ConversionError: The folder is missing (named, with the command that
            creates it).
    """
    folder = osp.dirname(osp.abspath(path))
    if not osp.isdir(folder):
        raise ConversionError(
            f'the folder of {path} does not exist ({folder}): create it '
            f'first (mkdir -p {folder}) or write the file somewhere else.')


def file_opset(model_proto):
    """The default-domain opset an ONNX model imports."""
    return next(entry.version for entry in model_proto.opset_import
                if entry.domain in ('', 'ai.onnx'))


@contextlib.contextmanager
def _quiet_exporter():
    """Silence what the exporter prints on every successful export: its
    "[torch.onnx] ... ✅" progress lines and a FutureWarning about
    ``LeafSpec`` from torch's own pytree code. Errors still propagate."""
    with warnings.catch_warnings(), \
            contextlib.redirect_stdout(io.StringIO()):
        warnings.filterwarnings('ignore', message=r'.*LeafSpec.*',
                                category=FutureWarning)
        with logger_at_level(logging.getLogger('torch.onnx')):
            yield


def export_onnx(model, example, opset=DEFAULT_OPSET, dynamic_batch=False):
    """Export ``model`` (eval mode) to ONNX and check the result.

    Args:
        model (nn.Module): Takes one image batch, returns logits.
        example (Tensor): An input batch; its shape (and dtype) is the
            exported input's, except for the batch size when
            ``dynamic_batch``.
        opset (int): The ONNX opset to write.
        dynamic_batch (bool): Make the batch dimension of the input and of
            the output symbolic. ``example`` must then hold at least two
            images (torch.export specializes a dimension of size 1).

    Returns:
        onnx.ModelProto: The exported model, not yet written anywhere
        (:func:`save_onnx`).

    Raises:
        ConversionError: The opset cannot be written, or the exported model
            fails ``onnx.checker``.
    """
    import onnx
    check_opset(opset)
    if dynamic_batch and example.shape[0] < 2:
        example = example.expand(2, *example.shape[1:]).contiguous()
    dynamic_shapes = ({0: torch.export.Dim('batch')}, ) \
        if dynamic_batch else None
    model = model.eval()
    with torch.no_grad(), _quiet_exporter():
        program = torch.onnx.export(
            model, (example, ), dynamo=True, opset_version=opset,
            input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
            dynamic_shapes=dynamic_shapes, verbose=False)
    proto = program.model_proto
    written = file_opset(proto)
    if written != opset:
        raise ConversionError(
            f'the exporter wrote opset {written} instead of the {opset} '
            f'asked for. Give --opset {written}.')
    try:
        onnx.checker.check_model(proto, full_check=True)
    except onnx.checker.ValidationError as error:
        raise ConversionError(
            f'the exported model fails onnx.checker ({error}). Try another '
            '--opset.') from None
    return proto


def save_onnx(proto, path):
    """Write ``proto`` to ``path``; the file appears only once complete."""
    check_output_path(path)
    with ReplacingFile(path, 'wb') as file:
        file.write(proto.SerializeToString())
