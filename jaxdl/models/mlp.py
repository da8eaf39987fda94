"""Fully connected network with optional batch norm and inverted dropout.

Batch norm (notes 2.12) normalises each pre-activation z over the global
batch and rescales with learnable gamma (scale) and beta (offset); at
evaluation the running averages are used. ``bn_position`` puts it before the
activation (as in the notes and the original paper) or after it.
Dropout is flax's, which is inverted dropout (notes 2.3.2): kept units are
scaled by 1/keep_prob in training and the layer is the identity at eval.
"""

from __future__ import annotations

from typing import Sequence

import flax.linen as nn
import jax.numpy as jnp


class MLP(nn.Module):
  """[B, ...] inputs -> [B, num_classes] logits."""

  num_classes: int  # output units (logits)
  hidden: Sequence[int] = (128, 64)  # width of each hidden layer
  batchnorm: bool = False  # notes 2.12
  bn_position: str = 'before'  # 'before' | 'after' the activation
  keep_prob: float = 1.0  # notes 2.3.2; 1.0 disables dropout
  dtype: jnp.dtype = jnp.float32  # computation dtype; params stay float32

  @nn.compact
  def __call__(self, x, train: bool = False):
    if self.bn_position not in ('before', 'after'):
      raise ValueError(f"bn_position must be 'before' or 'after', got {self.bn_position!r}")
    x = x.reshape((x.shape[0], -1)).astype(self.dtype)
    for i, width in enumerate(self.hidden):
      # BN's offset beta makes a bias before it redundant (its gradient is 0).
      x = nn.Dense(width, use_bias=not self._bn_first, dtype=self.dtype, name=f'dense{i}')(x)
      x = _bn_act(x, train, self.batchnorm, self.bn_position, self.dtype, f'bn{i}')
      if self.keep_prob < 1.0:
        x = nn.Dropout(rate=1.0 - self.keep_prob, deterministic=not train)(x)
    return nn.Dense(self.num_classes, dtype=self.dtype, name='head')(x).astype(jnp.float32)

  @property
  def _bn_first(self) -> bool:
    return self.batchnorm and self.bn_position == 'before'


def _bn_act(x, train: bool, batchnorm: bool, position: str, dtype, name: str):
  """ReLU with batch norm before or after it (or none)."""
  bn = lambda y: nn.BatchNorm(use_running_average=not train, momentum=0.9, dtype=dtype, name=name)(
      y
  )
  if batchnorm and position == 'before':
    x = bn(x)
  x = nn.relu(x)
  if batchnorm and position == 'after':
    x = bn(x)
  return x
