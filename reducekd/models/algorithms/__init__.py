"""reducekd algorithms."""
from .strict_teacher_distill import StrictTeacherDistill  # noqa: F401
