"""Regularisation (notes 2.3): L2 cost, decoupled weight decay, inverted dropout.

* ``l2.l2_cost``: the notes' lambda / (2 m) * sum ||W||^2 over weight
  matrices / conv kernels only (flax leaves named ``kernel``); biases and
  BatchNorm scale / offset are never decayed.
* ``weight_decay.decoupled_weight_decay``: the same shrinkage as an optax
  transform applied after the optimizer; for plain SGD it equals L2 with
  ``rate = lambda / m`` (tests/test_regularization.py derives this).
* ``dropout.inverted_dropout``: the notes' keep_prob form; flax's
  ``nn.Dropout(rate=1 - keep_prob)`` is the same operation.
"""
from jaxdl.regularization.dropout import inverted_dropout
from jaxdl.regularization.l2 import kernel_mask
from jaxdl.regularization.l2 import l2_cost
from jaxdl.regularization.weight_decay import decoupled_weight_decay
from jaxdl.regularization.weight_decay import l2_equivalent_rate

__all__ = ["inverted_dropout", "kernel_mask", "l2_cost",
           "decoupled_weight_decay", "l2_equivalent_rate"]
