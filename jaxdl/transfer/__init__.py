"""Transfer learning (notes 3.14): pretrain on task A, fine-tune on task B.

``transfer_optimizer`` freezes the backbone or gives it a smaller learning
rate (``freezing``, with ``param_labels``); ``load_pretrained`` reads
parameters from another run's orbax checkpoint and ``transplant`` /
``WarmStart`` put them into a new model (``pretrained``); ``finetune.finetune``
is a short training run with a given optimizer and initial parameters;
``digit_tasks`` builds pairs of tasks A/B from the digits;
``transfer_experiment.run`` compares training from scratch with fine-tuning.
Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'freezing': ('transfer_optimizer', 'param_labels'),
        'pretrained': ('load_pretrained', 'transplant', 'Pretrained', 'WarmStart'),
        'finetune': ('FinetuneResult',),
    },
    modules=('finetune', 'digit_tasks', 'transfer_experiment'),
)
