"""Repairs for the OpenMMLab 2.x stack on current PyTorch, all in one place.

mmengine 0.10.7, mmpretrain 1.2.0 and mmrazor 1.0.0 are the last releases of
the stack reducekd builds on, and several parts of it no longer work as they
install on PyTorch >= 2.6 (see ``GUIDE.md`` section 1 of the project). Every
repair below:

* is guarded by a check of the exact condition it repairs, so it does nothing
  on a stack that is already fine;
* is applied by :func:`repair_stack`, which ``import reducekd`` calls before
  anything imports torchvision, mmpretrain or mmrazor;
* has a unit test in ``tests/test_compat.py`` that fails without it.

Repairs that are not import-time patches live where they act, and are listed
here so there is one index:

* multi-process training on CPU (breakage C): :mod:`reducekd.dist`;
* checkpoints with exactly mmengine's allowed globals, refused otherwise
  (breakage B): :mod:`reducekd.checkpoint` (registered here);
* CIFAR loaders that insist on the official archives (breakage D):
  :mod:`reducekd.datasets.local_cifar`;
* exact ``--resume`` (breakage K): :class:`reducekd.engine.hooks.RNGStateHook`.
* checkpoints written in place, so a kill during a save left a truncated
  file under the checkpoint's name (no breakage letter): mmengine's writers
  get :func:`reducekd.checkpoint.open_replacing` here; what ``--resume``
  resumes from is decided by :mod:`reducekd.resume`.

* configs written for mmcls, such as mmrazor's whole classification
  distillation zoo (breakage E): the mapping to mmpretrain is
  :mod:`reducekd.legacy_mmcls` (mmengine's config loading is routed through
  it here); weights such a config would download before training are
  checked by :mod:`reducekd.weight_sources` (from
  :func:`reducekd.runner.prepare_config`).

One repair fixes no breakage but misleading output: mmcv-lite's warning on
import that ``MultiScaleDeformableAttention`` is missing, which reads like
advice to install full mmcv, is silenced (exactly that warning, and only
where mmcv lacks its compiled ops). Another names what mmrazor's recorders
leave as a bare assertion: a recorder ``source`` that is not a module of
the model (:func:`check_recorder_sources`). A third makes mmrazor's
distill losses compute in fp32 under mixed precision, as reducekd's do
(:mod:`reducekd.precision`); a fourth keeps mmrazor's DKD loss finite where
its ``log`` of a probability sum that underflowed to 0 made it inf.
"""
import difflib
import functools
import glob
import importlib
import importlib.metadata
import importlib.util
import os
import os.path as osp
import sys
import types
import warnings

import torch

#: Names of the repairs :func:`repair_stack` applied in this process.
APPLIED = []


def _record(name):
    if name not in APPLIED:
        APPLIED.append(name)


# --------------------------------------------------------------------------
# torchvision from PyPI beside the CPU build of torch (no breakage letter)
# --------------------------------------------------------------------------
_TORCHVISION_SCHEMAS = {
    'nms': 'nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor',
    'qnms': 'qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor',
}
_torchvision_library = None


def torchvision_ops_missing():
    """Whether torchvision's compiled operators are absent from torch.

    PyPI's torchvision is built against CUDA torch; beside the CPU torch its
    ``_C`` extension does not load, and ``import torchvision`` then fails when
    it registers fake kernels for ``torchvision::nms`` and ``qnms``.
    """
    if 'torchvision' in sys.modules:
        return False
    try:
        torch._C._dispatch_find_schema_or_throw('torchvision::nms', '')
        return False
    except RuntimeError:
        return True


def declare_torchvision_op_schemas():
    """Declare the two operator schemas torchvision registers kernels for.

    Classification never calls them; declaring them lets torchvision import.
    Detection ops would still fail loudly when called.
    """
    global _torchvision_library
    if not torchvision_ops_missing():
        return
    _torchvision_library = torch.library.Library('torchvision', 'DEF')
    for schema in _TORCHVISION_SCHEMAS.values():
        _torchvision_library.define(schema)
    _record('torchvision_op_schemas')


# --------------------------------------------------------------------------
# mmcv-lite's warning about MultiScaleDeformableAttention (no breakage letter)
# --------------------------------------------------------------------------
#: How the warning of ``mmcv.cnn.bricks.transformer`` starts, as a regex.
_MSDA_WARNING = r'Fail to import ``MultiScaleDeformableAttention`` from '
_MSDA_MODULE = r'mmcv\.cnn\.bricks\.transformer$'


def mmcv_ops_missing():
    """Whether mmcv is installed without its compiled ops (mmcv-lite).

    Looks for the ``mmcv._ext`` extension on disk, without importing mmcv.
    Without it, importing ``mmcv.cnn`` (which mmpretrain and mmrazor do)
    warns that ``MultiScaleDeformableAttention`` cannot be imported and
    advises installing full mmcv; that detection op is not used by
    classification or distillation, so the advice does not apply.
    """
    spec = importlib.util.find_spec('mmcv')
    if spec is None:
        return False
    return not any(glob.glob(osp.join(location, '_ext.*'))
                   for location in spec.submodule_search_locations)


def silence_mmcv_lite_attention_warning():
    """Ignore exactly that warning: its message, from its module. Every
    other warning, mmcv's included, still shows."""
    if not mmcv_ops_missing():
        return
    warnings.filterwarnings('ignore', message=_MSDA_WARNING,
                            category=UserWarning, module=_MSDA_MODULE)
    _record('mmcv_lite_attention_warning_silenced')


# --------------------------------------------------------------------------
# A. mmrazor's quantization structures import torch.ao internals that moved
# --------------------------------------------------------------------------
_MMRAZOR_QUANT = 'mmrazor.structures.quantization'


def mmrazor_quantization_unimportable():
    """Whether mmrazor's quantization backend configs fail on this torch.

    They import ``reverse2``, ``reverse3`` and ``reverse_sequential_wrapper2``
    from ``torch.ao.quantization.fuser_method_mappings``, which torch 2.x
    removed; mmrazor then raises a misleading "torch>=1.13 is not installed".
    """
    if _MMRAZOR_QUANT in sys.modules:
        return False
    if importlib.util.find_spec('mmrazor') is None:
        return False
    try:
        fusers = importlib.import_module(
            'torch.ao.quantization.fuser_method_mappings')
    except ImportError:
        return True
    needed = ('reverse2', 'reverse3', 'reverse_sequential_wrapper2')
    return not all(hasattr(fusers, name) for name in needed)


class QuantizationUnavailable:
    """Stands in for mmrazor's ``QConfigHandler``: quantization is not supported."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError(
            "mmrazor's quantization is not available on torch "
            f'{torch.__version__}: its backend configs use torch.ao internals '
            'that were removed. reducekd replaces it with this stand-in so '
            'that distillation imports; quantization configs cannot run.')


def stand_in_mmrazor_quantization():
    """Put a small module in place of ``mmrazor.structures.quantization``.

    Distillation never uses it; mmrazor only needs its two names to import.
    """
    if not mmrazor_quantization_unimportable():
        return
    module = types.ModuleType(_MMRAZOR_QUANT, QuantizationUnavailable.__doc__)
    module.BackendConfigs = {}
    module.QConfigHandler = QuantizationUnavailable
    module.__all__ = ['BackendConfigs', 'QConfigHandler']
    sys.modules[_MMRAZOR_QUANT] = module
    _record('mmrazor_quantization_stand_in')


# --------------------------------------------------------------------------
# B. torch.load(weights_only=True) refuses mmengine's own checkpoints
# --------------------------------------------------------------------------
def mmengine_checkpoint_globals():
    """The pickled globals an mmengine checkpoint holds, besides tensors.

    Found with ``torch.serialization.get_unsafe_globals_in_checkpoint`` on
    checkpoints written by mmengine's ``CheckpointHook`` (message hub with
    ``HistoryBuffer`` and numpy scalars) and by :class:`RNGStateHook` (numpy's
    uint32 generator state).
    """
    import numpy as np
    from mmengine.logging.history_buffer import HistoryBuffer
    multiarray = np._core.multiarray if hasattr(np, '_core') else \
        np.core.multiarray
    dtype_classes = [type(np.dtype(name)) for name in (
        'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16',
        'uint32', 'uint64', 'float16', 'float32', 'float64')]
    return [HistoryBuffer, multiarray._reconstruct, multiarray.scalar,
            np.dtype, np.ndarray, getattr] + dtype_classes


def weights_only_is_default():
    """Whether ``torch.load`` checks pickled globals (torch >= 2.6)."""
    return hasattr(torch.serialization, 'add_safe_globals') and \
        hasattr(torch.serialization, 'get_unsafe_globals_in_checkpoint')


def allow_mmengine_checkpoints():
    """Allow exactly mmengine's globals, and load local files through
    :func:`reducekd.checkpoint.load_local_checkpoint`, which names any other
    global in its error instead of torch's generic message."""
    if not weights_only_is_default():
        return
    from mmengine.runner.checkpoint import CheckpointLoader

    from reducekd.checkpoint import load_local_checkpoint
    torch.serialization.add_safe_globals(mmengine_checkpoint_globals())
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)
    _record('safe_checkpoint_loading')


# --------------------------------------------------------------------------
# J. mmengine finds installed packages' configs with pkg_resources
# --------------------------------------------------------------------------
def pkg_resources_missing():
    """Whether ``pkg_resources`` is gone (setuptools >= 82 no longer has it)."""
    try:
        return importlib.util.find_spec('pkg_resources') is None
    except ValueError:  # a stub in sys.modules without a spec
        return sys.modules.get('pkg_resources') is None


def _distribution_path(package):
    """Where ``package`` (a distribution or module name) is installed."""
    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise
        return osp.dirname(spec.origin)
    top_level = (dist.read_text('top_level.txt') or package).split()[0]
    return osp.join(str(dist.locate_file('')), top_level)


def _is_installed(package):
    try:
        importlib.metadata.distribution(package)
        return True
    except importlib.metadata.PackageNotFoundError:
        spec = importlib.util.find_spec(package)
        return spec is not None and spec.origin is not None


def locate_packages_without_pkg_resources():
    """Point mmengine's package lookup at ``importlib.metadata``, which is
    what ``_base_ = ['mmpretrain::...']`` needs, and what
    ``mmengine.hub.get_model`` needs for mmrazor's
    ``cfg_path='mmpretrain::...'`` teachers and students."""
    if not pkg_resources_missing():
        return
    import mmengine.config.config as config_module
    import mmengine.utils.package_utils as package_utils
    hub_module = importlib.import_module('mmengine.hub.hub')
    for module in (config_module, package_utils, hub_module):
        module.get_installed_path = _distribution_path
        if hasattr(module, 'is_installed'):  # the hub has no name of its own
            module.is_installed = _is_installed
    _record('package_lookup_without_pkg_resources')


# --------------------------------------------------------------------------
# H. mmrazor parts that import mmcls became placeholders
# --------------------------------------------------------------------------
def kd_soft_ce_is_placeholder():
    """Whether mmrazor's ``KDSoftCELoss`` lost ``soft_cross_entropy``.

    It does ``from mmcls.models.losses.cross_entropy_loss import
    soft_cross_entropy`` in a ``try`` and falls back to a placeholder.
    """
    module = sys.modules.get('mmrazor.models.losses.kd_soft_ce_loss')
    return module is not None and \
        getattr(module.soft_cross_entropy, '__name__', '') == 'PlaceHolder'


def restore_kd_soft_ce():
    """Give ``KDSoftCELoss`` mmpretrain's function, at the same module path."""
    importlib.import_module('mmrazor.models')
    if not kd_soft_ce_is_placeholder():
        return
    from mmpretrain.models.losses.cross_entropy_loss import \
        soft_cross_entropy
    module = sys.modules['mmrazor.models.losses.kd_soft_ce_loss']
    module.soft_cross_entropy = soft_cross_entropy
    _record('kd_soft_ce_from_mmpretrain')


# --------------------------------------------------------------------------
# Checkpoints written in place (no breakage letter)
# --------------------------------------------------------------------------
#: The mmengine modules that write checkpoint files: the local file backend
#: (``LocalBackend.put``, through which ``save_checkpoint`` writes every local
#: checkpoint) and ``CheckpointHook`` (the ``last_checkpoint`` pointer).
_CHECKPOINT_WRITERS = ('mmengine.fileio.backends.local_backend',
                       'mmengine.hooks.checkpoint_hook')


def checkpoint_writers_in_place():
    """The mmengine modules that still write checkpoint files in place.

    They open the checkpoint itself with the builtin ``open``: a process
    killed during a save leaves a truncated file under the checkpoint's name
    (or an empty ``last_checkpoint``), which ``--resume``, ``test.py`` or a
    skip-if-done check later takes for a checkpoint.

    Returns:
        list[module]: Those that have no ``open`` of their own.
    """
    modules = [importlib.import_module(name) for name in _CHECKPOINT_WRITERS]
    return [module for module in modules if 'open' not in vars(module)]


def write_checkpoints_atomically():
    """Give those modules :func:`reducekd.checkpoint.open_replacing`.

    What they open for writing goes to a temporary file beside it and is
    renamed into place once complete; reading is unchanged. The backend's
    other local writes (``put_text``, ``mmengine.dump`` to a local path)
    become atomic too.
    """
    from reducekd.checkpoint import open_replacing
    modules = checkpoint_writers_in_place()
    for module in modules:
        module.open = open_replacing
    if modules:
        _record('atomic_checkpoint_writes')


# --------------------------------------------------------------------------
# D, offline. mmpretrain's CIFAR10/CIFAR100 download when the files are
# missing: offline, a raw URLError, and an empty data/... folder left behind
# (test: tests/datasets/test_stock_cifar_offline.py)
# --------------------------------------------------------------------------
_CIFAR_MODULE = 'mmpretrain.datasets.cifar'


def cifar_download_unexplained():
    """Whether mmpretrain's CIFAR classes call its downloader unwrapped.

    ``CIFAR10.load_data_list`` calls ``download_and_extract_archive``
    whenever the official files are missing: without a network that ends in
    ``URLError: <urlopen error ...>`` and leaves the ``data_root`` folder it
    created (empty) behind.
    """
    if importlib.util.find_spec('mmpretrain') is None:
        return False
    cifar = importlib.import_module(_CIFAR_MODULE)
    return not hasattr(cifar.download_and_extract_archive, 'local_type_for')


def _missing_folders(path):
    """``path`` and those of its parents that do not exist, deepest first."""
    missing, path = [], osp.abspath(path)
    while not osp.exists(path):
        missing.append(path)
        path = osp.dirname(path)
    return missing


def _remove_empty(folders):
    """Remove those of ``folders`` (deepest first) that exist and are empty."""
    removed = []
    for folder in folders:
        if osp.isdir(folder) and not os.listdir(folder):
            os.rmdir(folder)
            removed.append(folder)
    return removed


def explain_offline_cifar_download():
    """Make a failed CIFAR download a :class:`~reducekd.errors.DatasetError`
    that suggests ``LocalCIFAR10``/``LocalCIFAR100``, and remove the folders
    the attempt created if it left them empty."""
    if not cifar_download_unexplained():
        return
    cifar = importlib.import_module(_CIFAR_MODULE)
    download = cifar.download_and_extract_archive
    local_type_for = {cifar.CIFAR10.filename: 'LocalCIFAR10',
                      cifar.CIFAR100.filename: 'LocalCIFAR100'}

    @functools.wraps(download)
    def download_or_explain(url, download_root, *args, **kwargs):
        created = _missing_folders(download_root)
        try:
            return download(url, download_root, *args, **kwargs)
        except OSError as error:  # URLError, refused or timed-out sockets
            removed = _remove_empty(created)
            filename = kwargs.get('filename') or osp.basename(url)
            raise _offline_cifar_error(
                local_type_for.get(filename, 'LocalCIFAR10'), url,
                download_root, error, removed) from error

    download_or_explain.local_type_for = local_type_for
    cifar.download_and_extract_archive = download_or_explain
    _record('offline_cifar_download_explained')


def _offline_cifar_error(local_type, url, download_root, error, removed):
    from reducekd.datasets import local_cifar
    from reducekd.errors import DatasetError
    local = getattr(local_cifar, local_type)
    files = ', '.join(local_cifar.expected_files(local))
    options = ' '.join(f'{loader}.dataset.{key}'
                       for loader in ('train_dataloader', 'val_dataloader',
                                      'test_dataloader')
                       for key in (f'type={local_type}', 'data_root=DIR'))
    cleanup = f' Removed the empty folder {removed[-1]} it had created.' \
        if removed else ''
    return DatasetError(
        f'could not download {url} into {download_root} '
        f'({type(error).__name__}: {error}); this machine may be offline. '
        f"For a copy already on disk, put its {local.base_folder}/ ({files}) "
        f"in a folder DIR and use type='{local_type}' with data_root=DIR, "
        f'e.g. --cfg-options {options}.{cleanup}')


# --------------------------------------------------------------------------
# mmrazor's recorders: a source that is not in the model ends in a bare
# ``AssertionError: "x" is not in the model.`` (no breakage letter)
# --------------------------------------------------------------------------
def recorder_sources_unchecked():
    """Whether mmrazor's ``RecorderManager.initialize`` still lets a missing
    recorder source reach mmrazor's bare assertion."""
    if importlib.util.find_spec('mmrazor') is None:
        return False
    from mmrazor.models.task_modules.recorder import RecorderManager
    return not getattr(RecorderManager.initialize, 'checks_sources', False)


def nearby_module_names(source, names, limit=8):
    """Module names close to a missing ``source``: the children of its
    longest existing prefix, then the closest spellings."""
    parts = source.split('.')
    nearby = []
    for length in range(len(parts) - 1, -1, -1):
        prefix = '.'.join(parts[:length])
        children = [name for name in names if name and name != prefix and (
            name.rsplit('.', 1)[0] if '.' in name else '') == prefix]
        if children:
            nearby = children
            break
    close = difflib.get_close_matches(source, names, n=limit, cutoff=0.6)
    return list(dict.fromkeys(nearby + close))[:limit]


def check_recorder_sources():
    """Make ``RecorderManager.initialize`` name a recorder whose module is
    not in the model, with nearby module names, as a ``ConfigError``."""
    if not recorder_sources_unchecked():
        return
    from mmrazor.models.task_modules.recorder import (ModuleOutputsRecorder,
                                                      RecorderManager)

    from reducekd.errors import ConfigError
    original = RecorderManager.initialize

    def initialize(self, model):
        names = [name for name, _ in model.named_modules()]
        for key, recorder in self.recorders.items():
            if isinstance(recorder, ModuleOutputsRecorder) and \
                    recorder.source not in names:
                raise ConfigError(
                    f"recorder '{key}' ({type(recorder).__name__}) records "
                    f"module {recorder.source!r}, which "
                    f'{type(model).__name__} does not have. Nearby module '
                    'names: ' + ', '.join(nearby_module_names(
                        recorder.source, names)) + '. Set its source to one '
                    'of the names model.named_modules() lists.')
        original(self, model)

    initialize.checks_sources = True
    RecorderManager.initialize = initialize
    _record('recorder_sources_checked')


# --------------------------------------------------------------------------
# E. configs written for mmcls (mmrazor's whole classification zoo says
# mmcls::, mmcls.NAME and _scope_='mmcls'; mmcls became mmpretrain)
# --------------------------------------------------------------------------
def mmcls_configs_unreadable():
    """Whether mmengine would fail on a config that says ``mmcls``.

    ``_base_ = ['mmcls::...']`` ends in ``ModuleNotFoundError: mmcls is not
    installed`` when only mmpretrain is, and ``mmcls.``-scoped types and
    ``cfg_path='mmcls::...'`` fail when the model is built.
    """
    if importlib.util.find_spec('mmcls') is not None or \
            importlib.util.find_spec('mmpretrain') is None:
        return False
    from mmengine.config import Config
    return not getattr(Config.fromfile, 'maps_mmcls', False)


def read_mmcls_configs_with_mmpretrain():
    """Route mmengine's config loading through :mod:`reducekd.legacy_mmcls`:
    ``mmcls::`` bases resolve to mmpretrain's files, and every loaded config
    has its mmcls names mapped, with one log line saying what was mapped."""
    from reducekd import legacy_mmcls
    if not mmcls_configs_unreadable():
        return
    from mmengine.config import Config
    get_cfg_path, fromfile = Config._get_cfg_path, Config.fromfile

    def _get_cfg_path(cfg_path, filename):
        if cfg_path.startswith(f'{legacy_mmcls.OLD}::'):
            cfg_path = legacy_mmcls.map_base(cfg_path, '_base_', filename)
        return get_cfg_path(cfg_path, filename)

    @functools.wraps(fromfile)
    def read(filename, *args, **kwargs):
        with legacy_mmcls.reading(filename):
            cfg = fromfile(filename, *args, **kwargs)
            legacy_mmcls.map_names(cfg._cfg_dict, str(filename))
        return cfg

    read.maps_mmcls = True
    Config._get_cfg_path = staticmethod(_get_cfg_path)
    Config.fromfile = staticmethod(read)
    _record('mmcls_configs_read_with_mmpretrain')


# --------------------------------------------------------------------------
# H, classes. mmrazor classes defined on an mmcls class became subclasses of
# a placeholder: DeiTClsHead (mmrazor's DeiT), PackCRDClsInputs (its CRD)
# --------------------------------------------------------------------------
#: ``(module, class, registry, {global of the module: (mmpretrain module,
#: name)})`` of each mmrazor class whose base came from mmcls.
_PLACEHOLDER_CLASSES = (
    ('mmrazor.models.architectures.heads.deit_head', 'DeiTClsHead', 'MODELS',
     {'VisionTransformerClsHead': ('mmpretrain.models.heads',
                                   'VisionTransformerClsHead')}),
    ('mmrazor.datasets.transforms.formatting', 'PackCRDClsInputs',
     'TRANSFORMS',
     {'PackClsInputs': ('mmpretrain.datasets.transforms.formatting',
                        'PackInputs'),
      'to_tensor': ('mmpretrain.datasets.transforms.formatting',
                    'to_tensor'),
      'ClsDataSample': ('mmpretrain.structures', 'DataSample')}),
)


def _is_placeholder(obj):
    return getattr(obj, '__name__', None) == 'PlaceHolder'


def classes_on_placeholders():
    """The entries of ``_PLACEHOLDER_CLASSES`` still built on a placeholder.

    Building one fails with ``PlaceHolder.__init__() got an unexpected
    keyword argument`` (``DeiTClsHead(num_classes=...)``) or, without
    arguments, ``mmcls is not installed properly``.
    """
    if importlib.util.find_spec('mmrazor') is None:
        return []
    return [entry for entry in _PLACEHOLDER_CLASSES if any(
        _is_placeholder(base) for base in
        getattr(importlib.import_module(entry[0]), entry[1]).__mro__)]


def rebuild_classes_on_placeholders():
    """Give those modules mmpretrain's names and define each class again on
    mmpretrain's base (same body, same registered name)."""
    entries = classes_on_placeholders()
    import mmrazor.registry
    for module_name, class_name, registry, names in entries:
        module = importlib.import_module(module_name)
        old = getattr(module, class_name)
        bound_to = {id(getattr(module, name)): name for name in names}
        for name, (source, new_name) in names.items():
            setattr(module, name,
                    getattr(importlib.import_module(source), new_name))
        bases = tuple(getattr(module, bound_to[id(base)])
                      if _is_placeholder(base) else base
                      for base in old.__bases__)
        body = {key: value for key, value in vars(old).items()
                if key not in ('__dict__', '__weakref__')}
        new = type(old)(class_name, bases, body)
        setattr(module, class_name, new)
        getattr(mmrazor.registry, registry).register_module(
            name=class_name, module=new, force=True)
    if entries:
        _record('classes_on_mmcls_placeholders_rebuilt')


def deit_head_expects_mmcls_tokens():
    """Whether mmrazor's ``DeiTClsHead`` still unpacks mmcls's tokens.

    mmcls's ``DistilledVisionTransformer`` gave ``(patch, cls, dist)``
    tokens; mmpretrain's gives ``(cls, dist)`` (its default
    ``out_type='cls_token'``), and the head's
    ``_, cls_token, dist_token = feats[-1]`` fails with ``not enough values
    to unpack (expected 3, got 2)``.
    """
    if importlib.util.find_spec('mmrazor') is None:
        return False
    from mmrazor.models.architectures.heads import deit_head
    return not getattr(deit_head.DeiTClsHead.pre_logits, 'takes_cls_dist',
                       False)


def deit_head_takes_mmpretrain_tokens():
    """Give mmrazor's ``DeiTClsHead`` mmpretrain's ``(cls, dist)`` tokens in
    the place of mmcls's ``(patch, cls, dist)`` (the patch tokens it
    ignores stand empty)."""
    if not deit_head_expects_mmcls_tokens():
        return
    from mmrazor.models.architectures.heads import deit_head
    head = deit_head.DeiTClsHead
    pre_logits = head.pre_logits

    @functools.wraps(pre_logits)
    def takes_cls_dist(self, feats):
        if isinstance(feats[-1], (tuple, list)) and len(feats[-1]) == 2:
            feats = tuple(feats[:-1]) + ((None, ) + tuple(feats[-1]), )
        return pre_logits(self, feats)

    takes_cls_dist.takes_cls_dist = True
    head.pre_logits = takes_cls_dist
    _record('deit_head_takes_mmpretrain_tokens')


# --------------------------------------------------------------------------
# mmrazor's data-free distillation (DAFL, DFAD, ZSKT) reads
# ``self.generator.module.latent_dim``: it only trains when DDP wraps the
# generator; in one process without a launcher it ends in
# ``AttributeError: 'DAFLGenerator' object has no attribute 'module'``
# (no breakage letter)
# --------------------------------------------------------------------------
def generator_needs_ddp():
    """Whether mmrazor's generators lack the ``module`` DDP would add."""
    if importlib.util.find_spec('mmrazor') is None:
        return False
    from mmrazor.models.architectures.generators.base_generator import \
        BaseGenerator
    return not hasattr(BaseGenerator, 'module')


def generator_module_without_ddp():
    """Let an unwrapped generator answer ``.module`` with itself, as DDP's
    ``.module`` answers with the generator it wraps."""
    if not generator_needs_ddp():
        return
    from mmrazor.models.architectures.generators.base_generator import \
        BaseGenerator
    BaseGenerator.module = property(
        lambda self: self, doc='The generator itself, as DDP would unwrap it.')
    _record('data_free_generator_without_ddp')


# --------------------------------------------------------------------------
# mmrazor's distill losses compute in whatever dtype autocast gives them:
# under --amp, softmax/KL of fp16/bf16 logits (no breakage letter)
# --------------------------------------------------------------------------
def _mmrazor_loss_classes():
    if importlib.util.find_spec('mmrazor') is None:
        return []
    from mmrazor.models import losses
    return [getattr(losses, name) for name in losses.__all__]


def mmrazor_losses_in_autocast_dtype():
    """Whether any of mmrazor's losses lacks the fp32 wrapper."""
    return any(not getattr(cls.forward, 'computed_in_fp32', False)
               for cls in _mmrazor_loss_classes())


def mmrazor_losses_in_fp32():
    """Give every mmrazor loss :func:`reducekd.precision.computed_in_fp32`,
    as reducekd's own losses have it."""
    if not mmrazor_losses_in_autocast_dtype():
        return
    from reducekd.precision import computed_in_fp32
    for cls in _mmrazor_loss_classes():
        cls.forward = computed_in_fp32(cls.forward)
    _record('mmrazor_losses_in_fp32')


# --------------------------------------------------------------------------
# mmrazor's DKD takes the log of summed softmax probabilities: once a
# sample's non-target (or target) mass underflows to 0, log(0) = -inf and
# the loss is inf, in fp32 already (large logits, low temperature)
# (no breakage letter)
# --------------------------------------------------------------------------
def dkd_target_term_overflows():
    """Whether DKD's target-class term is inf on a confident student."""
    if importlib.util.find_spec('mmrazor') is None:
        return False
    from mmrazor.models.losses import DKDLoss
    loss = DKDLoss(tau=1.0)
    student, teacher = torch.tensor([[200.0, 0.0]]), torch.zeros(1, 2)
    label = torch.tensor([0])
    # mmrazor passes kl_div's deprecated size_average: torch warns
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        value = loss._get_tckd_loss(student, teacher, label,
                                    loss._get_gt_mask(student, label))
    return not bool(torch.isfinite(value))


def _binary_log_probs(logits, tau, gt_mask):
    """``log [p(target), p(not target)]`` of ``softmax(logits / tau)``,
    each as a log-sum-exp difference, finite where the probability is a
    denormal or 0 in floating point."""
    scaled = logits / tau
    log_all = scaled.logsumexp(dim=1, keepdim=True)
    log_target = scaled.masked_fill(~gt_mask, float('-inf')).logsumexp(
        dim=1, keepdim=True)
    log_other = scaled.masked_fill(gt_mask, float('-inf')).logsumexp(
        dim=1, keepdim=True)
    return torch.cat([log_target, log_other], dim=1) - log_all


def dkd_target_term_in_log_space():
    """Compute DKD's target-class KL from log-probabilities in log-sum-exp
    form: the same value where mmrazor's is finite, finite everywhere."""
    if not dkd_target_term_overflows():
        return
    from mmrazor.models.losses import DKDLoss

    def _get_tckd_loss(self, preds_S, preds_T, gt_labels, gt_mask):
        gt_mask = gt_mask.bool()
        return self._kl_loss(
            _binary_log_probs(preds_S, self.tau, gt_mask),
            _binary_log_probs(preds_T, self.tau, gt_mask).exp())

    DKDLoss._get_tckd_loss = _get_tckd_loss
    _record('dkd_target_term_in_log_space')


def repair_stack():
    """Apply every import-time repair whose condition holds. Idempotent."""
    silence_mmcv_lite_attention_warning()  # before anything imports mmcv
    declare_torchvision_op_schemas()
    stand_in_mmrazor_quantization()
    locate_packages_without_pkg_resources()
    allow_mmengine_checkpoints()
    write_checkpoints_atomically()
    restore_kd_soft_ce()
    explain_offline_cifar_download()
    check_recorder_sources()
    read_mmcls_configs_with_mmpretrain()
    rebuild_classes_on_placeholders()
    deit_head_takes_mmpretrain_tokens()  # after the rebuild of the class
    generator_module_without_ddp()
    mmrazor_losses_in_fp32()
    dkd_target_term_in_log_space()
    return list(APPLIED)
