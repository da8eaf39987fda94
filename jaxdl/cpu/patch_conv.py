"""Convolution as patches @ kernel (im2col by slicing): a drop-in for nn.Conv on CPU.

Notes 4.4 describe each output cell as the sum of f*f*C products of a filter
with the block under it. Gathering every block into one row ("im2col") turns
the whole layer into one matrix product [cells, f*f*C] @ [f*f*C, K]. The
blocks are gathered with f*f strided slices, so the backward pass is slices,
pads and adds plus two matrix products. With jaxlib 0.10's default flags
(convolutions in YNNPACK) this ran LeNet-5 faster than lax convolutions; with
jaxdl.cpu.xla_flags' flags XLA's own convolutions are faster again
(docs/benchmarks.md), so it is only chosen by name
(conv_impl='patches'). Parameters
have nn.Conv's names and shapes (kernel [f_h, f_w, C, K], bias [K]), so
checkpoints and layer tables match.
"""

from collections.abc import Callable, Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models import conv_arithmetic


def extract_patches(
    x: jax.Array, kernel: Sequence[int], strides: Sequence[int], pads: Sequence[tuple[int, int]]
) -> jax.Array:
  """[B, H, W, C] -> [B, H_out, W_out, f_h * f_w * C], rows ordered (i, j, c)."""
  (kh, kw), (sh, sw) = kernel, strides
  x = jnp.pad(x, ((0, 0), *pads, (0, 0)))
  h, w = x.shape[1:3]
  ho = conv_arithmetic.conv_output_size(h, kh, sh)
  wo = conv_arithmetic.conv_output_size(w, kw, sw)
  cols = [
      jax.lax.slice(
          x,
          (0, i, j, 0),
          (x.shape[0], i + (ho - 1) * sh + 1, j + (wo - 1) * sw + 1, x.shape[3]),
          (1, sh, sw, 1),
      )
      for i in range(kh)
      for j in range(kw)
  ]
  return jnp.concatenate(cols, axis=-1)


class PatchConv(nn.Module):
  """2D convolution computed as extract_patches(x) @ kernel + bias."""

  features: int  # output channels K
  kernel_size: Sequence[int]  # (f_h, f_w)
  strides: int | Sequence[int] = 1  # stride per axis
  padding: str | Sequence[tuple[int, int]] = 'SAME'  # as nn.Conv
  use_bias: bool = True  # one bias per filter (notes 4.5)
  dtype: Any = None  # computation dtype; None: the input's
  kernel_init: Callable = nn.initializers.lecun_normal()  # nn.Conv's default
  bias_init: Callable = nn.initializers.zeros  # nn.Conv's default

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    if x.ndim != 4:
      raise ValueError(f'PatchConv takes [batch, H, W, C], got {x.shape}')
    kernel = tuple(self.kernel_size)
    strides = (self.strides,) * 2 if isinstance(self.strides, int) else tuple(self.strides)
    c = x.shape[-1]
    pads = conv_arithmetic.explicit_padding(x.shape[1:3], kernel, strides, self.padding)
    k = self.param('kernel', self.kernel_init, (*kernel, c, self.features))
    dtype = self.dtype or x.dtype
    patches = extract_patches(x.astype(dtype), kernel, strides, pads)
    y = patches @ k.reshape(-1, self.features).astype(dtype)
    if self.use_bias:
      y = y + self.param('bias', self.bias_init, (self.features,)).astype(dtype)
    return y
