"""LeNet-5, modern variant (notes 4.8.1: conv -> pool -> conv -> pool -> fc -> fc).

32x32x1 -> conv 5x5x6 -> 28x28x6 -> pool -> 14x14x6 -> conv 5x5x16 -> 10x10x16
-> pool -> 5x5x16 = 400 -> 120 -> 84 -> 10: the dimension goes down while the
filters go up. Textbook parameter count at 32x32x1 and 10 classes: 61,706
(156 + 2,416 + 48,120 + 10,164 + 850).
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.cpu import layers as cpu_layers
from jaxdl.models import pooling

_ACTIVATIONS = {'relu': nn.relu, 'tanh': jnp.tanh, 'sigmoid': nn.sigmoid}


class LeNet5(nn.Module):
  """LeNet-5 with valid 5x5 convolutions and 2x2/2 pooling."""

  num_classes: int = 10  # output logits
  filters: tuple[int, int] = (6, 16)  # conv1, conv2 filters
  hidden: tuple[int, int] = (120, 84)  # fc1, fc2 widths
  activation: str = 'relu'  # 'relu' (modern) | 'tanh' | 'sigmoid' (1998)
  pool: str = 'max'  # 'max' (modern) | 'avg' (1998's subsampling)
  conv_impl: str = 'auto'  # 'xla' (nn.Conv) | 'auto', 'patches', 'banded': jaxdl.cpu.layers
  dtype: Any = jnp.float32  # computation dtype; params stay float32

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    """Maps [batch, 32, 32, C] images to [batch, num_classes] float32 logits.

    `train` is accepted for a uniform zoo interface; LeNet has no BN/dropout.
    """
    del train
    if self.activation not in _ACTIVATIONS:
      raise ValueError(
          f'activation must be one of {sorted(_ACTIVATIONS)}, ' f'got {self.activation!r}'
      )
    act = _ACTIVATIONS[self.activation]
    # nn.Conv, or on CPU a variant with nn.Conv's variables and outputs.
    conv = cpu_layers.conv_class(self.conv_impl)
    x = x.astype(self.dtype)
    for i, f in enumerate(self.filters, start=1):
      x = act(conv(f, (5, 5), padding='VALID', dtype=self.dtype, name=f'conv{i}')(x))
      x = pooling.make_pool(self.pool, 2, 2, name=f'pool{i}')(x)
    x = x.reshape((x.shape[0], -1))
    for i, h in enumerate(self.hidden, start=1):
      x = act(nn.Dense(h, dtype=self.dtype, name=f'fc{i}')(x))
    x = nn.Dense(self.num_classes, dtype=self.dtype, name='fc3')(x)
    return x.astype(jnp.float32)
