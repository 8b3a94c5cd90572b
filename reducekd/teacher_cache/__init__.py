"""Exact teacher-output cache: a frozen teacher's logits for every (sample,
view) of a finite augmentation, tabulated once and looked up in training.

See ``docs/teacher_cache.md`` for the idea, the commands and the measured
cost.
"""
from .config import CACHE_ROOT, apply_teacher_cache  # noqa: F401
from .teacher import CachedTeacher  # noqa: F401
from .views import ViewRandomCrop, ViewRandomFlip  # noqa: F401
