"""scikit-learn's handwritten digits as a 3x32x32 classification dataset.

scikit-learn ships the UCI optical-recognition digits (1,797 images of 8x8
pixels, 10 classes) inside its wheel, so this dataset needs no download and
every reducekd method has a default that runs anywhere.
"""
import numbers

import numpy as np
import torch
import torch.nn.functional as F
from mmpretrain.datasets.base_dataset import BaseDataset

from reducekd.errors import DatasetError
from reducekd.registry import DATASETS

#: Size of the fixed held-out split (20% of the images, stratified).
TEST_SIZE = 360
#: The digits' own resolution: smaller images would lose strokes.
MIN_IMAGE_SIZE = 8
#: Seeds numpy's RandomState accepts.
MAX_SEED = 2**32 - 1


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

    Raises:
        DatasetError: ``per_class`` is above the smallest class's count.
    """
    from sklearn.model_selection import train_test_split
    train, test = train_test_split(
        np.arange(len(labels)), test_size=TEST_SIZE, stratify=labels,
        random_state=0)
    if split == 'test':
        return np.sort(test)
    if per_class is None:
        return np.sort(train)
    by_label = [train[labels[train] == label] for label in np.unique(labels)]
    smallest = min(by_label, key=len)
    if per_class > len(smallest):
        raise DatasetError(
            f'Digits: per_class={per_class} is more than the {len(smallest)} '
            f'training images of the smallest class (digit '
            f'{labels[smallest[0]]}); use an int from 1 to {len(smallest)}, '
            f'or per_class=None for all {len(train)} training images.')
    rng = np.random.RandomState(subset_seed)
    chosen = [rng.permutation(of_label)[:per_class] for of_label in by_label]
    return np.sort(np.concatenate(chosen))


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_digits_arguments(split, per_class, subset_seed, image_size):
    """Refuse arguments of :class:`Digits` that cannot mean what they say.

    Raises:
        DatasetError: Naming the argument and its allowed values.
    """
    if split not in ('train', 'test'):
        raise DatasetError(
            f"Digits: split={split!r} is not a split of the digits; use "
            "split='train' or split='test'.")
    if per_class is not None and not (_is_int(per_class) and per_class >= 1):
        raise DatasetError(
            f'Digits: per_class={per_class!r} is not a number of images; use '
            'an int >= 1 (training images kept per class), or None for all.')
    if not (_is_int(subset_seed) and 0 <= subset_seed <= MAX_SEED):
        raise DatasetError(
            f'Digits: subset_seed={subset_seed!r} is not a seed; use an int '
            f'from 0 to {MAX_SEED}.')
    if not (_is_int(image_size) and image_size >= MIN_IMAGE_SIZE):
        raise DatasetError(
            f'Digits: image_size={image_size!r} is not a usable side; use an '
            f'int >= {MIN_IMAGE_SIZE} (the digits are {MIN_IMAGE_SIZE}x'
            f'{MIN_IMAGE_SIZE}; the configs use 32).')


@DATASETS.register_module()
class Digits(BaseDataset):
    """Handwritten digits (scikit-learn's copy of UCI optdigits) at 3x32x32.

    A fixed stratified split holds out 360 images for testing (1,437 train).
    On all 1,437 training images every model reaches 99.7%, so distillation
    cannot show; ``per_class=20`` (200 training images, seeded by
    ``subset_seed``) is the regime where the methods differ.

    Args:
        split (str): ``'train'`` or ``'test'``.
        per_class (int, optional): Training images kept per class, from 1 to
            the smallest class's 139.
        subset_seed (int): Seed of the per-class subset, 0 to 2**32 - 1.
        image_size (int): Side of the upsampled square images, >= 8.
        **kwargs: Passed to mmpretrain's ``BaseDataset`` (``pipeline`` ...).

    Raises:
        DatasetError: An argument is out of its range.
    """

    METAINFO = {'classes': tuple(str(d) for d in range(10))}

    def __init__(self, split='train', per_class=None, subset_seed=0,
                 image_size=32, **kwargs):
        check_digits_arguments(split, per_class, subset_seed, image_size)
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
