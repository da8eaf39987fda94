"""Multi-task learning (notes 3.15): sigmoid heads on shared features, missing labels.

``masked_sigmoid_loss`` averages the sigmoid cross-entropy over present
labels only ("?" entries masked out) and ``multilabel_task`` makes it a core
Task; ``shapes`` generates multi-object images (which of four shapes are
present); ``multitask_experiment.run`` compares one multi-task model with
separate single-task ones. Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'loss': ('masked_sigmoid_loss', 'multilabel_task'),
    },
    modules=('shapes', 'multitask_experiment'),
)
