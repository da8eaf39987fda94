"""A small YOLO network (notes 4.11.4): a fully convolutional net whose output
volume holds, for each of the S x S grid cells and each of A anchors, the
vector [t_o, t_x, t_y, t_h, t_w, class logits] decoded by `yolo.decode`.

Conv(3x3)-BatchNorm-ReLU blocks, with a 2x2 max-pool after the first
`num_pools` of them, so S = image_size / 2**num_pools (48 -> 6 with 3 pools).
"""

import functools
from typing import Any, Sequence

import flax.linen as nn
import jax.numpy as jnp


class TinyYOLO(nn.Module):
  """[B, H, W, C] images -> [B, S, S, num_anchors, 5 + num_classes] outputs."""

  num_classes: int = 3  # object classes
  num_anchors: int = 2  # anchor boxes per cell
  widths: Sequence[int] = (16, 32, 64, 96, 96)  # channels of each conv block
  num_pools: int = 3  # blocks followed by 2x2 max-pooling (the grid is H / 2**num_pools)
  dtype: Any = jnp.float32  # computation dtype; params stay float32

  @nn.compact
  def __call__(self, x, train: bool = False):
    if self.num_pools > len(self.widths):
      raise ValueError(f'num_pools ({self.num_pools}) must be <= len(widths) ({len(self.widths)})')
    if x.shape[1] % 2 ** self.num_pools or x.shape[2] % 2**self.num_pools:
      raise ValueError(
          f'image size {x.shape[1:3]} must be divisible by 2**num_pools = {2 ** self.num_pools}'
      )
    norm = functools.partial(
        nn.BatchNorm, use_running_average=not train, momentum=0.9, dtype=self.dtype
    )
    x = x.astype(self.dtype)
    for i, width in enumerate(self.widths):
      x = nn.Conv(width, (3, 3), use_bias=False, dtype=self.dtype, name=f'conv{i}')(x)
      x = nn.relu(norm(name=f'bn{i}')(x))
      if i < self.num_pools:
        x = nn.max_pool(x, (2, 2), strides=(2, 2))
    x = nn.Conv(self.num_anchors * (5 + self.num_classes), (1, 1), dtype=self.dtype, name='head')(x)
    return x.reshape(*x.shape[:3], self.num_anchors, 5 + self.num_classes).astype(jnp.float32)


TinyYOLOSmoke = functools.partial(TinyYOLO, widths=(4, 8, 8), num_pools=3)
