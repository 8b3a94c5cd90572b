"""Hooks registered in reducekd.registry.HOOKS."""
from .rng_state_hook import RNGStateHook  # noqa: F401
from .lambda_relu_hook import LambdaReLUAnnealHook  # noqa: F401
from .resume_schedule_check_hook import ResumeScheduleCheckHook  # noqa: F401
from .non_finite_check_hook import NonFiniteCheckHook  # noqa: F401
from .distill_wiring_check_hook import DistillWiringCheckHook  # noqa: F401
