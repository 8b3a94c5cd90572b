"""scikit-learn's handwritten digits as a 3x32x32 classification dataset.

scikit-learn ships the UCI optical-recognition digits (1,797 images of 8x8
pixels, 10 classes) inside its wheel, so this dataset needs no download and
every reducekd method has a default that runs anywhere.
"""
import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.datasets.base_dataset import BaseDataset

from reducekd.registry import DATASETS

#: Size of the fixed held-out split (20% of the images, stratified).
TEST_SIZE = 360


def load_digit_images(image_size=32):
    """All digits as uint8 HxWx3 images, upsampled bilinearly, and labels."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    pixels = torch.from_numpy(digits.images).float()[:, None] * (255 / 16)
    pixels = F.interpolate(pixels, size=(image_size, image_size),
                           mode='bilinear', align_corners=False)
    images = pixels.clamp(0, 255).round().to(torch.uint8)
    images = images.repeat(1, 3, 1, 1).permute(0, 2, 3, 1).numpy()
    return images, digits.target.astype(np.int64)


def split_indices(labels, split, per_class=None, subset_seed=0):
    """Indices of the fixed stratified split, optionally a per-class subset.

    Args:
        labels (np.ndarray): Label of every image.
        split (str): ``'train'`` or ``'test'``.
        per_class (int, optional): Keep this many training images of each
            class, drawn with ``subset_seed``. The test split is never cut.
        subset_seed (int): Seed of the per-class draw.
    """
    from sklearn.model_selection import train_test_split
    train, test = train_test_split(
        np.arange(len(labels)), test_size=TEST_SIZE, stratify=labels,
        random_state=0)
    if split == 'test':
        return np.sort(test)
    if per_class is None:
        return np.sort(train)
    rng = np.random.RandomState(subset_seed)
    chosen = []
    for label in np.unique(labels):
        of_label = train[labels[train] == label]
        if per_class > len(of_label):
            raise ValueError(f'per_class={per_class} but class {label} has '
                             f'only {len(of_label)} training images.')
        chosen.append(rng.permutation(of_label)[:per_class])
    return np.sort(np.concatenate(chosen))


@DATASETS.register_module()
class Digits(BaseDataset):
    """Handwritten digits (scikit-learn's copy of UCI optdigits) at 3x32x32.

    A fixed stratified split holds out 360 images for testing (1,437 train).
    On all 1,437 training images every model reaches 99.7%, so distillation
    cannot show; ``per_class=20`` (200 training images, seeded by
    ``subset_seed``) is the regime where the methods differ.

    Args:
        split (str): ``'train'`` or ``'test'``.
        per_class (int, optional): Training images kept per class.
        subset_seed (int): Seed of the per-class subset.
        image_size (int): Side of the upsampled square images.
        **kwargs: Passed to mmpretrain's ``BaseDataset`` (``pipeline`` ...).
    """

    METAINFO = {'classes': tuple(str(d) for d in range(10))}

    def __init__(self, split='train', per_class=None, subset_seed=0,
                 image_size=32, **kwargs):
        if split not in ('train', 'test'):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        self.split = split
        self.per_class = per_class
        self.subset_seed = subset_seed
        self.image_size = image_size
        kwargs.setdefault('test_mode', split == 'test')
        super().__init__(ann_file='', **kwargs)

    def load_data_list(self):
        images, labels = load_digit_images(self.image_size)
        indices = split_indices(labels, self.split, self.per_class,
                                self.subset_seed)
        return [dict(img=images[i], gt_label=int(labels[i])) for i in indices]
