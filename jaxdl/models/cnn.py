"""A small ConvNet for the embedded digits: conv -> pool blocks, then dense.

Same-padded 3x3 convolutions (notes 4.2.2) keep the spatial size inside a
block; 2x2 max pooling (4.6.1) halves it between blocks while the number of
filters grows (the LeNet-5 pattern of 4.8.1).
"""

from __future__ import annotations

from typing import Sequence

import flax.linen as nn
import jax.numpy as jnp

from jaxdl.models.mlp import _bn_act


class SmallCNN(nn.Module):
  """[B, H, W, C] images -> [B, num_classes] logits."""

  num_classes: int  # output units (logits)
  features: Sequence[int] = (16, 32)  # filters of each conv block
  dense: int = 64  # width of the hidden dense layer
  batchnorm: bool = False  # notes 2.12
  bn_position: str = 'before'  # 'before' | 'after' the activation
  keep_prob: float = 1.0  # dropout before the head; 1.0 disables it
  dtype: jnp.dtype = jnp.float32  # computation dtype; params stay float32

  @nn.compact
  def __call__(self, x, train: bool = False):
    if x.ndim != 4:
      raise ValueError(f'SmallCNN expects [batch, height, width, channels], got {x.shape}')
    x = x.astype(self.dtype)
    # BN's offset beta makes a conv bias before it redundant (its gradient is 0).
    bn_first = self.batchnorm and self.bn_position == 'before'
    for i, f in enumerate(self.features):
      x = nn.Conv(
          f, (3, 3), padding='SAME', use_bias=not bn_first, dtype=self.dtype, name=f'conv{i}'
      )(x)
      x = _bn_act(x, train, self.batchnorm, self.bn_position, self.dtype, f'bn{i}')
      if min(x.shape[1:3]) >= 2:
        x = nn.max_pool(x, (2, 2), strides=(2, 2))
    x = x.reshape((x.shape[0], -1))
    x = nn.relu(nn.Dense(self.dense, dtype=self.dtype, name='dense')(x))
    if self.keep_prob < 1.0:
      x = nn.Dropout(rate=1.0 - self.keep_prob, deterministic=not train)(x)
    return nn.Dense(self.num_classes, dtype=self.dtype, name='head')(x).astype(jnp.float32)
