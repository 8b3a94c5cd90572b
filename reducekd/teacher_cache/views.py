"""The finite view space of a training pipeline, and transforms that record
the view they drew.

A frozen teacher in eval mode maps each (image, view) to fixed logits, so
its outputs can be tabulated once when the augmentation draws from a finite
set of views. ``RandomCrop`` with padding ``p`` on an image of its crop size
draws one of ``(2p + 1)^2`` offsets; ``RandomFlip`` one of its directions or
none. A view of a whole pipeline is the combination of the views its random
transforms drew, numbered in mixed radix in pipeline order (the first
transform's view is the most significant digit).

:class:`ViewRandomCrop` and :class:`ViewRandomFlip` are mmpretrain's
``RandomCrop`` and mmcv's ``RandomFlip`` that also write the view they drew
to ``results['teacher_view']``. They draw exactly the same random numbers as
the originals, so a pipeline rewritten by :func:`recording_pipeline` gives
the same images as the one in the config, with the view of each recorded.
Both also apply a given view (:meth:`apply_view`), which is how the cache
builder enumerates every view of a sample.
"""
import copy

from mmcv.transforms import RandomFlip
from mmpretrain.datasets.transforms import PackInputs, RandomCrop

from reducekd.errors import ConfigError
from reducekd.registry import TRANSFORMS

#: Key of the drawn view in a pipeline's results and in the data sample.
VIEW_KEY = 'teacher_view'
#: Key of the number of views of the transforms so far, in the results.
VIEW_COUNT_KEY = 'teacher_view_count'


def _record(results, view, num_views):
    """Append one transform's ``view`` (of ``num_views``) to the results."""
    results[VIEW_KEY] = results.get(VIEW_KEY, 0) * num_views + view
    results[VIEW_COUNT_KEY] = results.get(VIEW_COUNT_KEY, 1) * num_views


@TRANSFORMS.register_module()
class ViewRandomCrop(RandomCrop):
    """mmpretrain's ``RandomCrop`` that records the offset it drew.

    View ``k`` is the crop at ``offset_h, offset_w = divmod(k, n_w)``, with
    ``n_w`` the number of horizontal offsets of the padded image. Arguments
    as for ``RandomCrop``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._forced_offset = None
        self._drawn = None

    def _offsets(self, img):
        """Number of vertical and horizontal offsets on the padded image."""
        h, w = img.shape[:2]
        target_h, target_w = min(h, self.crop_size[0]), min(
            w, self.crop_size[1])
        return h - target_h + 1, w - target_w + 1

    def rand_crop_params(self, img):
        """Draw (or, in :meth:`apply_view`, take) the crop offset, and keep
        it and the number of offsets for :meth:`transform`."""
        offset_h, offset_w, target_h, target_w = super().rand_crop_params(
            img) if self._forced_offset is None else (
                *self._forced_offset,
                min(img.shape[0], self.crop_size[0]),
                min(img.shape[1], self.crop_size[1]))
        self._drawn = (offset_h, offset_w), self._offsets(img)
        return offset_h, offset_w, target_h, target_w

    def transform(self, results):
        results = super().transform(results)
        (offset_h, offset_w), (_, n_w) = self._drawn
        _record(results, offset_h * n_w + offset_w, self.last_num_views())
        return results

    def last_num_views(self):
        """Number of crops of the image this transform cropped last."""
        n_h, n_w = self._drawn[1]
        return n_h * n_w

    def apply_view(self, results, view):
        """``results`` cropped as view ``view`` (no random draw); view 0
        exists for every image."""
        self._forced_offset = (0, 0)
        if view:
            self.transform(copy.deepcopy(results))  # counts the offsets
            self._forced_offset = divmod(view, self._drawn[1][1])
        try:
            return self.transform(results)
        finally:
            self._forced_offset = None


@TRANSFORMS.register_module()
class ViewRandomFlip(RandomFlip):
    """mmcv's ``RandomFlip`` that records the direction it drew.

    View ``k`` is the ``k``-th of the configured directions, the last view
    no flip. Arguments as for ``RandomFlip``.
    """

    def _directions(self):
        if isinstance(self.direction, str):
            return [self.direction, None]
        return list(self.direction) + [None]

    def last_num_views(self):
        """Number of flip choices (the directions and no flip)."""
        return len(self._directions())

    def transform(self, results):
        results = super().transform(results)
        _record(results, self._directions().index(results['flip_direction']),
                self.last_num_views())
        return results

    def apply_view(self, results, view):
        """``results`` flipped as view ``view`` says (no random draw)."""
        direction = self._directions()[view]
        results['flip'] = direction is not None
        results['flip_direction'] = direction
        if direction is not None:
            self._flip(results)
        _record(results, view, self.last_num_views())
        return results


#: Random transforms with a finite view space -> their recording variant.
RECORDING_VARIANTS = {RandomCrop: 'ViewRandomCrop',
                      RandomFlip: 'ViewRandomFlip'}
#: Transforms without randomness, kept as they are (by registered name).
DETERMINISTIC = ('PackInputs', 'LoadImageFromFile', 'Resize', 'ResizeEdge',
                 'CenterCrop')


def _transform_class(transform_cfg):
    name = transform_cfg.get('type')
    cls = name if isinstance(name, type) else TRANSFORMS.get(name)
    if cls is None:
        raise ConfigError(f'teacher cache: transform {name!r} is not '
                          'registered.')
    return cls


def recording_pipeline(pipeline):
    """The training pipeline with view-recording transforms.

    ``RandomCrop`` and ``RandomFlip`` become :class:`ViewRandomCrop` and
    :class:`ViewRandomFlip` (same arguments, same random draws), and
    ``PackInputs`` also packs the view and the sample index into each data
    sample's metainfo.

    Args:
        pipeline (list[dict]): Transform configs of the training pipeline.

    Returns:
        list[dict]: The rewritten pipeline (the argument is not changed).

    Raises:
        ConfigError: A transform whose view space is infinite or not
            recorded (``RandomResizedCrop``, colour jitter, ...), named with
            the transforms the cache supports.
    """
    rewritten = []
    for transform_cfg in pipeline:
        transform_cfg = copy.deepcopy(dict(transform_cfg))
        cls = _transform_class(transform_cfg)
        if cls in RECORDING_VARIANTS:
            transform_cfg['type'] = f'reducekd.{RECORDING_VARIANTS[cls]}'
        elif issubclass(cls, PackInputs):
            keys = tuple(transform_cfg.get('meta_keys',
                                           PackInputs.DEFAULT_META_KEYS))
            transform_cfg['meta_keys'] = keys + tuple(
                key for key in ('sample_idx', VIEW_KEY) if key not in keys)
        elif cls.__name__ not in DETERMINISTIC:
            raise ConfigError(
                f'teacher cache: the training pipeline\'s {cls.__name__} '
                'draws from an infinite or unrecorded set of views, so the '
                "teacher's outputs cannot be tabulated. The cache supports "
                'RandomCrop (with padding) and RandomFlip, and the '
                f'deterministic {", ".join(DETERMINISTIC)}; remove '
                f'{cls.__name__} or train without the teacher cache.')
        rewritten.append(transform_cfg)
    if not any(issubclass(_transform_class(t), PackInputs)
               for t in rewritten):
        raise ConfigError('teacher cache: the training pipeline has no '
                          'PackInputs, which must carry the recorded view '
                          'to the training step.')
    return rewritten


def build_transforms(pipeline):
    """The transforms of a (recording) pipeline, built."""
    return [TRANSFORMS.build(transform_cfg) for transform_cfg in pipeline]


def every_view(transforms, results):
    """Each view of one sample, in view order, through the pipeline.

    Args:
        transforms (list): Built transforms of a recording pipeline.
        results (dict): The sample's data info (before the pipeline).

    Returns:
        list[dict]: The pipeline's output for view 0, 1, ... (each with its
        ``teacher_view`` recorded).
    """
    branches = [copy.deepcopy(results)]
    for transform in transforms:
        if hasattr(transform, 'apply_view'):
            views = []
            for branch in branches:
                views.append(transform.apply_view(copy.deepcopy(branch), 0))
                views += [transform.apply_view(copy.deepcopy(branch), view)
                          for view in range(1, transform.last_num_views())]
            branches = views
        else:
            branches = [transform(branch) for branch in branches]
    return branches
