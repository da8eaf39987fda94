"""Convolution as one banded (Toeplitz) matrix product per output row: for few channels.

A valid 2D convolution (notes 4.4) of x [B, H, W, C] with a kernel
[f, f, C, K] gives output row h from input rows h..h+f-1 only. Concatenating
those f rows gives a vector of f*W*C numbers per output row, and along the
width the convolution is a banded matrix T [f*W*C, W_out*K] with
T[(i, w_in, c), (w_out, k)] = kernel[i, w_in - w_out, c, k] inside the band
(0 <= w_in - w_out < f) and 0 outside. The layer is then one matrix product
[B*H_out, f*W*C] @ T.

T does W/f times the multiply-adds of the direct convolution, but the product
has long rows even when C and K are tiny (LeNet-5: 1 -> 6 and 6 -> 16 channels),
which is the case that XLA:CPU's convolution handles worst: LeNet-5's
forward and input gradients ran several times faster this way
(docs/benchmarks.md). The
kernel gradient is left to XLA's convolution (a custom VJP), which is faster
there than T's gradient. Parameters have nn.Conv's names and shapes, so checkpoints and
layer tables match nn.Conv and PatchConv. Only for small images: T has
f*W*C * W_out*K entries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

_DIMS = ('NHWC', 'HWIO', 'NHWC')


def band_selector(width: int, f: int) -> np.ndarray:
  """S [f, width, width - f + 1] with S[j, w_out + j, w_out] = 1, else 0."""
  out = width - f + 1
  s = np.zeros((f, width, out), np.float32)
  for j in range(f):
    s[j, np.arange(out) + j, np.arange(out)] = 1.0
  return s


def banded_matrix(kernel: jax.Array, width: int) -> jax.Array:
  """kernel [f, f, C, K] -> T [f * width * C, (width - f + 1) * K]."""
  f, fw, c, k = kernel.shape
  if f != fw:
    raise ValueError(f'banded conv needs a square kernel, got {kernel.shape[:2]}')
  sel = jnp.asarray(band_selector(width, f), kernel.dtype)
  t = jnp.einsum('jab,ijck->iacbk', sel, kernel)  # [f, width, C, W_out, K]
  return t.reshape(f * width * c, (width - f + 1) * k)


def _banded_forward(x: jax.Array, kernel: jax.Array) -> jax.Array:
  b, h, w, c = x.shape
  f, k = kernel.shape[0], kernel.shape[-1]
  ho, wo = h - f + 1, w - f + 1
  # Row h_out of the product sees input rows h_out .. h_out + f - 1.
  rows = jnp.concatenate([x[:, i : i + ho].reshape(b, ho, w * c) for i in range(f)], axis=-1)
  return (rows @ banded_matrix(kernel, w)).reshape(b, ho, wo, k)


@jax.custom_vjp
def banded_conv(x: jax.Array, kernel: jax.Array) -> jax.Array:
  """Valid, stride-1 conv of x [B, H, W, C] with kernel [f, f, C, K] -> [B, H-f+1, W-f+1, K].

  Equals jax.lax.conv_general_dilated(x, kernel, (1, 1), 'VALID') up to float
  rounding, with the same gradients.
  """
  return _banded_forward(x, kernel)


def _fwd(x, kernel):
  return _banded_forward(x, kernel), (x, kernel)


def _bwd(res, dy):
  x, kernel = res
  # Input gradient: the transpose of the banded product (long rows again).
  dx = jax.vjp(lambda x_: _banded_forward(x_, kernel), x)[1](dy)[0]
  # Kernel gradient: XLA's own convolution gradient beats T's gradient
  # (docs/benchmarks.md).
  dk = jax.vjp(
      lambda k_: jax.lax.conv_general_dilated(x, k_, (1, 1), 'VALID', dimension_numbers=_DIMS),
      kernel,
  )[1](dy)[0]
  return dx, dk


banded_conv.defvjp(_fwd, _bwd)


class BandedConv(nn.Module):
  """nn.Conv(features, (f, f), padding='VALID') computed by `banded_conv`."""

  features: int  # output channels K
  kernel_size: Sequence[int]  # (f, f)
  strides: int | Sequence[int] = 1  # must be 1
  padding: str = 'VALID'  # must be 'VALID'
  use_bias: bool = True  # one bias per filter (notes 4.5)
  dtype: Any = None  # computation dtype; None: the input's
  kernel_init: Callable = nn.initializers.lecun_normal()  # nn.Conv's default
  bias_init: Callable = nn.initializers.zeros  # nn.Conv's default

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    if x.ndim != 4:
      raise ValueError(f'BandedConv takes [batch, H, W, C], got {x.shape}')
    strides = (self.strides,) * 2 if isinstance(self.strides, int) else tuple(self.strides)
    if strides != (1, 1) or self.padding != 'VALID':
      raise ValueError(
          'BandedConv computes valid, stride-1 convolutions only; '
          f'got strides={self.strides}, padding={self.padding!r}'
      )
    kernel = tuple(self.kernel_size)
    k = self.param('kernel', self.kernel_init, (*kernel, x.shape[-1], self.features))
    dtype = self.dtype or x.dtype
    y = banded_conv(x.astype(dtype), k.astype(dtype))
    if self.use_bias:
      y = y + self.param('bias', self.bias_init, (self.features,)).astype(dtype)
    return y
