"""The student of structure learning: the teacher with chosen blocks swapped.

`Compact CNN Structure Learning by Knowledge Distillation
<https://arxiv.org/abs/2104.09191>`_ assembles its student from the
candidates chosen block by block. :class:`BlockSwappedClassifier` describes
that student in a config: the teacher's classifier arguments plus the
replaced blocks, and optionally the checkpoint that initialises it (the
teacher's weights for the kept parts, the block-wise trained candidates for
the others), loaded strictly when the model is built.
"""
import os.path as osp

from mmpretrain.models.classifiers import ImageClassifier

from reducekd.checkpoint import CheckpointError, load_state_dict_strictly
from reducekd.registry import MODELS

from .blocks import block_input_shapes, check_block_paths
from .candidates import build_candidate

_INIT_HINT = ('The init checkpoint must come from the same search as this '
              'config: run tools/structure_search.py again to write both, or '
              'set init_checkpoint=None to train the student from scratch.')


def swap_blocks(model, blocks, input_shape):
    """Replace blocks of ``model`` in place by the candidates named.

    Args:
        model (nn.Module): A classifier (``forward(x, mode='tensor')``).
        blocks (list[dict]): ``dict(path=..., candidate=dict(type=...))``.
        input_shape (tuple): ``(C, H, W)`` of the model's input.

    Returns:
        nn.Module: ``model``.
    """
    paths = [block['path'] for block in blocks]
    check_block_paths(model, paths)
    shapes = block_input_shapes(model, paths, input_shape)
    for block in blocks:
        path = block['path']
        module = build_candidate(block['candidate'],
                                 model.get_submodule(path), shapes[path],
                                 path)
        parent, _, name = path.rpartition('.')
        setattr(model.get_submodule(parent), name, module)
    return model


@MODELS.register_module()
class BlockSwappedClassifier(ImageClassifier):
    """mmpretrain's ``ImageClassifier`` with some blocks replaced.

    Its weights have the same names as an ``ImageClassifier``'s, except
    inside the replaced blocks.

    Args:
        blocks (list[dict]): The replaced blocks, each
            ``dict(path='backbone.layer1.0', candidate=dict(type=...))``
            with a ``SEARCH_CANDIDATES`` config.
        input_shape (tuple): ``(C, H, W)`` of one input image, to give each
            candidate its block's input shape. Defaults to ``(3, 32, 32)``.
        init_checkpoint (str, optional): Weights of the whole student,
            loaded strictly here; ``init_weights()`` then leaves them alone.
            Defaults to None (initialise as an ``ImageClassifier``).
        **kwargs: ``ImageClassifier``'s arguments (``backbone``, ``neck``,
            ``head``, ...), those of the teacher.

    Raises:
        CheckpointError: ``init_checkpoint`` is missing or does not match
            the student, before any training.
    """

    def __init__(self, blocks, input_shape=(3, 32, 32),
                 init_checkpoint=None, **kwargs):
        super().__init__(**kwargs)
        swap_blocks(self, blocks, tuple(input_shape))
        self.init_checkpoint = init_checkpoint
        if init_checkpoint is not None:
            if not osp.isfile(osp.expanduser(init_checkpoint)):
                raise CheckpointError(
                    f'the student\'s init_checkpoint {init_checkpoint!r} does '
                    f'not exist. {_INIT_HINT}')
            load_state_dict_strictly(self, init_checkpoint,
                                     what='student init', hint=_INIT_HINT)
            self._is_init = True

    def init_weights(self):
        """Initialise as an ``ImageClassifier`` unless the weights came
        from ``init_checkpoint``."""
        if self.init_checkpoint is None:
            super().init_weights()
