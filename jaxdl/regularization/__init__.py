"""Regularisation (notes 2.3): L2 cost, decoupled weight decay, inverted dropout.

``l2_cost`` is the notes' lambda / (2 m) * sum ||W||^2 over weight matrices
and conv kernels only (flax leaves named ``kernel``, see ``kernel_mask``):
biases and BatchNorm scale / offset are never decayed.
``decoupled_weight_decay`` is the same shrinkage as an optax transform after
the optimizer; for plain SGD it equals L2 with ``rate = lambda / m``
(``l2_equivalent_rate``). ``inverted_dropout`` is the notes' keep_prob form,
the same operation as flax's ``nn.Dropout(rate=1 - keep_prob)``.
``regularization_experiment.run`` fights variance on a small train set.
Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'l2': ('l2_cost', 'kernel_mask'),
        'weight_decay': ('decoupled_weight_decay', 'l2_equivalent_rate'),
        'dropout': ('inverted_dropout',),
    },
    modules=('regularization_experiment',),
)
