"""reducekd's registries: children of mmpretrain's that also see mmrazor's.

A config with ``default_scope = 'reducekd'`` names reducekd's modules,
mmpretrain's (``ImageClassifier``, ``ResNet_CIFAR``, ``Accuracy``, datasets and
transforms) and mmrazor's (``SingleTeacherDistill``, ``ConfigurableDistiller``,
recorders, distill losses) without scope prefixes.

mmengine gives a registry one parent, and mmpretrain and mmrazor are siblings
under mmengine's root. Each reducekd registry therefore has mmpretrain's as its
parent and, when a name is found on neither it nor its ancestors (whose
``locations`` it imports first), looks it up in mmrazor's registry of the
same kind. That lookup is the one workaround of
the registry tree, and it lives only here.
"""
from mmengine.registry import Registry

import mmpretrain.registry as mmpretrain_registry
import mmrazor.registry as mmrazor_registry


class _RegistryWithFallback(Registry):
    """A registry that asks a second registry for names it cannot find."""

    def __init__(self, name, parent, fallback=None, locations=()):
        super().__init__(name, parent=parent, scope='reducekd',
                         locations=list(locations))
        self.fallback = fallback

    def get(self, key):
        found = super().get(key)
        # The parent's get() imports the parent's own locations, which the
        # walk up the tree in Registry.get does not.
        for other in (self.parent, self.fallback):
            if found is None and other is not None:
                found = other.get(key)
        return found


def _child(kind, name, locations=()):
    return _RegistryWithFallback(
        name,
        parent=getattr(mmpretrain_registry, kind),
        fallback=getattr(mmrazor_registry, kind, None),
        locations=locations)


MODELS = _child('MODELS', 'model',
                ['reducekd.models', 'reducekd.teacher_cache'])
MODEL_WRAPPERS = _child('MODEL_WRAPPERS', 'model_wrapper')
TASK_UTILS = _child('TASK_UTILS', 'task util', ['reducekd.models'])
DATASETS = _child('DATASETS', 'dataset', ['reducekd.datasets'])
DATA_SAMPLERS = _child('DATA_SAMPLERS', 'data sampler')
TRANSFORMS = _child('TRANSFORMS', 'transform',
                    ['reducekd.datasets', 'reducekd.teacher_cache'])
HOOKS = _child('HOOKS', 'hook', ['reducekd.engine'])
LOOPS = _child('LOOPS', 'loop')
RUNNERS = _child('RUNNERS', 'runner')
RUNNER_CONSTRUCTORS = _child('RUNNER_CONSTRUCTORS', 'runner constructor')
OPTIMIZERS = _child('OPTIMIZERS', 'optimizer')
OPTIM_WRAPPERS = _child('OPTIM_WRAPPERS', 'optim wrapper')
OPTIM_WRAPPER_CONSTRUCTORS = _child('OPTIM_WRAPPER_CONSTRUCTORS',
                                    'optimizer wrapper constructor')
PARAM_SCHEDULERS = _child('PARAM_SCHEDULERS', 'parameter scheduler')
METRICS = _child('METRICS', 'metric')
EVALUATORS = _child('EVALUATORS', 'evaluator')
LOG_PROCESSORS = _child('LOG_PROCESSORS', 'log processor')
VISUALIZERS = _child('VISUALIZERS', 'visualizer')
VISBACKENDS = _child('VISBACKENDS', 'vis_backend')
WEIGHT_INITIALIZERS = _child('WEIGHT_INITIALIZERS', 'weight initializer')

#: Candidate replacements of a teacher block for structure learning
#: (:mod:`reducekd.models.structure_learning.candidates`).
SEARCH_CANDIDATES = Registry(
    'search candidate', scope='reducekd',
    locations=['reducekd.models.structure_learning.candidates'])
