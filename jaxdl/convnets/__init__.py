"""Section 4 experiments on the zoo: classification with a layer table, plain vs residual.

``classify_experiment.run(config, workdir)`` trains any zoo model on any image
dataset (resized with ``resize_dataset`` when the model wants another size)
and prints its layer table first (notes 4.7-4.10);
``plain_vs_resnet_experiment.run`` measures the 4.9 claim that deeper plain
nets train worse while residual nets do not. launch/classify.py and
launch/plain_vs_resnet.py call them. Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'classify_experiment': ('resize_dataset',),
    },
    modules=('classify_experiment', 'plain_vs_resnet_experiment'),
)
