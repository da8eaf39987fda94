"""A small conv -> ReLU -> pool ConvNet for any number of spatial axes (notes 4.14.2).

The same layer works on signals [batch, length, C] (1D), images
[batch, H, W, C] (2D) and volumes [batch, D, H, W, C] (3D): the filter simply
gets one extent per spatial axis and still spans all input channels.
`expected_shapes` gives every layer's output shape from the arithmetic of
`conv_arithmetic`, which the tests compare with what flax produces.
"""

from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models import conv_arithmetic
from jaxdl.models import pooling


class ConvNetND(nn.Module):
  """Stages of conv + ReLU + max pool, then global average pool and a dense layer."""

  spatial_dims: int = 2  # 1 signals, 2 images, 3 volumes
  features: Sequence[int] = (16, 32)  # filters per stage
  kernel_size: int = 3  # filter extent along every spatial axis
  padding: str = 'SAME'  # 'SAME' | 'VALID' (notes 4.2)
  pool_window: int = 2  # max pool window = stride along every spatial axis
  num_classes: int = 10  # outputs
  dtype: Any = jnp.float32  # computation dtype; params stay float32

  def expected_shapes(self, spatial: Sequence[int]) -> dict[str, tuple[int, ...]]:
    """Output shape (without batch) of each named layer for an input's spatial shape."""
    shapes, spatial = {}, tuple(spatial)
    for i, f in enumerate(self.features, start=1):
      spatial = conv_arithmetic.conv_output_shape(spatial, self.kernel_size, 1, self.padding)
      shapes[f'conv{i}'] = (*spatial, f)
      spatial = conv_arithmetic.pool_output_shape(spatial, self.pool_window)
      shapes[f'pool{i}'] = (*spatial, f)
    shapes['avgpool'] = (self.features[-1],)
    shapes['head'] = (self.num_classes,)
    return shapes

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    """Maps [batch, *spatial, C] to [batch, num_classes] float32 logits."""
    del train  # no BN or dropout
    if self.spatial_dims not in (1, 2, 3):
      raise ValueError(f'spatial_dims must be 1, 2 or 3, got ' f'{self.spatial_dims}')
    if x.ndim != self.spatial_dims + 2:
      raise ValueError(
          f'x must be [batch, {self.spatial_dims} spatial axes, ' f'channels], got shape {x.shape}'
      )
    k = (self.kernel_size,) * self.spatial_dims
    x = x.astype(self.dtype)
    for i, f in enumerate(self.features, start=1):
      x = nn.relu(nn.Conv(f, k, padding=self.padding, dtype=self.dtype, name=f'conv{i}')(x))
      x = pooling.MaxPool(self.pool_window, name=f'pool{i}')(x)
    x = pooling.GlobalAvgPool(name='avgpool')(x)
    return nn.Dense(self.num_classes, dtype=self.dtype, name='head')(x).astype(jnp.float32)
