"""A stand-in for a frozen teacher that reads its logits from a table."""
import torch
from mmengine.model import BaseModel
from torch import nn

from reducekd.errors import ConfigError
from reducekd.registry import MODELS

from .table import TeacherOutputTable
from .views import VIEW_KEY


@MODELS.register_module()
class CachedTeacher(BaseModel):
    """Takes a frozen teacher's place in a logit distillation: it looks the
    teacher's logits up in a table (``tools/build_teacher_cache.py``) by
    each data sample's index and recorded view, and passes them through an
    identity module at the teacher's logits path, where the distiller's
    recorder reads them as it would read the teacher's.

    It has no weights and runs no network: a distillation step with it costs
    the student's step and a look-up. The table is opened at the first
    look-up, so a model built for testing needs no table.

    Args:
        directory (str): Folder of the table.
        logits_module (str): Path of the teacher's logits module, where the
            distiller records them (``'head.fc'``).
    """

    def __init__(self, directory, logits_module='head.fc'):
        super().__init__()
        self.directory = directory
        parent = self
        *parents, leaf = logits_module.split('.')
        for name in parents:
            parent.add_module(name, nn.Module())
            parent = getattr(parent, name)
        parent.add_module(leaf, nn.Identity())
        self.logits_module = self.get_submodule(logits_module)
        self._table = None

    @property
    def table(self):
        """The table, opened on first use."""
        if self._table is None:
            self._table = TeacherOutputTable(self.directory)
        return self._table

    def _indices(self, data_samples):
        if not data_samples or any(VIEW_KEY not in sample.metainfo
                                   for sample in data_samples):
            raise ConfigError(
                f'teacher cache: the data samples carry no {VIEW_KEY!r}. '
                'Train through tools/train.py (or call '
                'reducekd.teacher_cache.apply_teacher_cache on the config), '
                'which makes the training pipeline record each view.')
        samples = torch.tensor([s.sample_idx for s in data_samples])
        views = torch.tensor([s.metainfo[VIEW_KEY] for s in data_samples])
        num_samples, num_views, _ = self.table.shape
        if samples.max() >= num_samples or views.max() >= num_views:
            raise ConfigError(
                f'teacher cache: sample {int(samples.max())} or view '
                f'{int(views.max())} is outside the table of '
                f'{self.directory} ({num_samples} samples x {num_views} '
                'views): the dataset or pipeline is not the one it was '
                'built from. Build the table again.')
        return samples, views

    def forward(self, inputs, data_samples=None, mode='tensor'):
        """The cached logits of the batch (after the logits module);
        ``mode='loss'`` returns no losses, as a frozen teacher has none."""
        samples, views = self._indices(data_samples)
        logits = self.logits_module(
            self.table.lookup(samples, views, device=inputs.device))
        return {} if mode == 'loss' else logits
