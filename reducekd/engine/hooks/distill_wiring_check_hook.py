"""Check a distillation's recorders, connectors and losses before training."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from reducekd.registry import HOOKS

#: Training images the check runs on.
CHECK_BATCH = 2


def _single_teacher_distill(model):
    """The model when it is an mmrazor single-teacher distillation with a
    ``ConfigurableDistiller`` (reducekd's algorithms included), else None."""
    from mmrazor.models.algorithms import SingleTeacherDistill
    from mmrazor.models.distillers import ConfigurableDistiller
    if is_model_wrapper(model):
        model = model.module
    if isinstance(model, SingleTeacherDistill) and isinstance(
            getattr(model, 'distiller', None), ConfigurableDistiller):
        return model
    return None


@HOOKS.register_module()
class DistillWiringCheckHook(Hook):
    """Before the first iteration, run the distiller once on two training
    images and stop with a message if a connector or loss does not fit.

    A channel mismatch between a recorded feature and a connector of
    mmrazor's ``ConfigurableDistiller`` otherwise shows as a raw
    convolution error in the first training step. The check
    (:func:`reducekd.models.distillers.wiring.check_single_teacher_wiring`)
    names the loss, its argument, the recorder and the module it reads, the
    connector and the shapes. It runs in eval mode without gradients and
    restores the random generators, so training is the same with or without
    it. Models that are not single-teacher distillations are left alone.
    The tools add this hook to every run (:mod:`reducekd.runner`).
    """

    priority = 'LOW'

    def before_train(self, runner) -> None:
        from reducekd.models.distillers.wiring import \
            check_single_teacher_wiring
        algorithm = _single_teacher_distill(runner.model)
        if algorithm is None:
            return
        loader = runner.train_dataloader
        dataset = loader.dataset
        samples = [dataset[i] for i in range(min(CHECK_BATCH, len(dataset)))]
        check_single_teacher_wiring(algorithm, loader.collate_fn(samples))
