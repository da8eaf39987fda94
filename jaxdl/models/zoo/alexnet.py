"""AlexNet, torchvision's single-GPU layout (notes 4.8.2: bigger, ReLU).

Five convs (11x11/4, 5x5, 3x3, 3x3, 3x3), three 3x3/2 max pools, an adaptive
average pool to 6x6, then dropout -> fc6 -> dropout -> fc7 -> fc8. At
224x224x3 and 1,000 classes: 61,100,840 parameters, as torchvision's.
"""

import functools
from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models import pooling

_CONV_INIT = nn.initializers.variance_scaling(2.0, 'fan_out', 'normal')


class AlexNet(nn.Module):
  """AlexNet with torchvision's filter counts and paddings."""

  num_classes: int = 1000  # fc8 outputs
  widths: Sequence[int] = (64, 192, 384, 256, 256)  # conv1..conv5 filters
  fc_width: int = 4096  # fc6, fc7 width
  adaptive_pool: int | None = 6  # pool5 resized to this grid; None: flatten
  dropout_rate: float = 0.5  # before fc6 and fc7
  dtype: Any = jnp.float32  # computation dtype; params stay float32

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    """Maps [batch, H, W, 3] images to [batch, num_classes] float32 logits."""
    # (kernel, stride, padding, pool after?) per conv, as in torchvision.
    spec = ((11, 4, 2, True), (5, 1, 2, True), (3, 1, 1, False), (3, 1, 1, False), (3, 1, 1, True))
    if len(self.widths) != len(spec):
      raise ValueError(f'widths must have {len(spec)} entries, got ' f'{self.widths}')
    x = x.astype(self.dtype)
    pools = 0
    for i, ((k, s, p, pool), w) in enumerate(zip(spec, self.widths), start=1):
      x = nn.relu(
          nn.Conv(
              w,
              (k, k),
              strides=s,
              padding=((p, p), (p, p)),
              dtype=self.dtype,
              kernel_init=_CONV_INIT,
              name=f'conv{i}',
          )(x)
      )
      if pool:
        pools += 1
        x = pooling.MaxPool(3, 2, name=f'pool{pools}')(x)
    if self.adaptive_pool is not None:
      x = pooling.AdaptiveAvgPool(self.adaptive_pool, name='avgpool')(x)
    x = x.reshape((x.shape[0], -1))
    dense = functools.partial(nn.Dense, dtype=self.dtype, kernel_init=nn.initializers.normal(0.01))
    for name in ('fc6', 'fc7'):
      x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
      x = nn.relu(dense(self.fc_width, name=name)(x))
    return dense(self.num_classes, name='fc8')(x).astype(jnp.float32)


# For tests: the same layers at 64x64 inputs and a few thousand parameters.
AlexNetTiny = functools.partial(
    AlexNet, widths=(8, 16, 16, 16, 16), fc_width=32, num_classes=10, adaptive_pool=None
)
