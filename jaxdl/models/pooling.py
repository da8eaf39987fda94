"""Pooling layers (notes 4.6): max, average, global average and adaptive average.

Pooling acts on each channel separately (notes 4.6.1), so inputs are
channels-last `[batch, *spatial, channels]` with any number of spatial axes
(1D, 2D, 3D) and the channel count never changes. The layers are also wrapped
as parameter-free flax modules so that they show up by name in a model's layer
table (notes 4.7) and in captured intermediates.
"""

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.models import conv_arithmetic

PoolPadding = str | int | Sequence[int | tuple[int, int]]


def _window_dims(x: jax.Array, window, strides):
  nsp = x.ndim - 2
  if nsp < 1:
    raise ValueError(
        f'x must be [batch, *spatial, channels] with at least one '
        f'spatial axis, got shape {x.shape}'
    )
  window = conv_arithmetic._per_axis('window', window, nsp)  # pylint: disable=protected-access
  strides = (
      window
      if strides is None
      else conv_arithmetic._per_axis('strides', strides, nsp)  # pylint: disable=protected-access
  )
  for name, values in (('window', window), ('strides', strides)):
    for v in values:
      conv_arithmetic._check_positive(name, v)  # pylint: disable=protected-access
  return window, strides


def _check_output_shape(x, window, strides, padding, ceil_mode):
  """Static (Python int) check that every window sees input.

  reduce_window would otherwise return a zero-size axis for a window larger
  than the padded input; conv_arithmetic raises with the sizes instead.
  """
  conv_arithmetic.pool_output_shape(x.shape[1:-1], window, strides, padding, ceil_mode)


def _pads(x, window, strides, padding, ceil_mode):
  """Explicit (lo, hi) per spatial axis, with ceil_mode's extra right padding."""
  spatial = x.shape[1:-1]
  pads = conv_arithmetic.explicit_padding(spatial, window, strides, padding)
  if ceil_mode:
    pads = tuple(
        (lo, hi + conv_arithmetic.ceil_mode_extra_padding(n, f, s, (lo, hi)))
        for (lo, hi), n, f, s in zip(pads, spatial, window, strides)
    )
  return pads


def _tiled(x, window, strides, pads):
  """[B, *spatial, C] -> [B, n1, f1, n2, f2, ..., C] when windows tile the input.

  Non-overlapping, unpadded windows that cover the input exactly are a
  reshape, and a max/mean over the window axes then differentiates into
  elementwise ops; XLA's CPU gradient of reduce_window (select-and-scatter)
  made LeNet-5's train step slower. Returns None when they do not tile.
  """
  spatial = x.shape[1:-1]
  if (
      tuple(window) != tuple(strides)
      or any(p != (0, 0) for p in pads)
      or any(n % f for n, f in zip(spatial, window))
  ):
    return None
  shape = [x.shape[0]]
  for n, f in zip(spatial, window):
    shape += [n // f, f]
  return x.reshape(*shape, x.shape[-1])


def max_pool(
    x: jax.Array,
    window: int | Sequence[int],
    strides: int | Sequence[int] | None = None,
    padding: PoolPadding = 'VALID',
    ceil_mode: bool = False,
) -> jax.Array:
  """Channel-wise max over windows (notes 4.6.1).

  Args:
    x: [batch, *spatial, channels].
    window: window size per spatial axis (or one int).
    strides: stride per axis; defaults to the window (non-overlapping).
    padding: 'VALID', 'SAME', an int or (lo, hi) per axis; padded cells hold
      -inf so they never win.
    ceil_mode: PyTorch's rounding-up of the output size (used by GoogLeNet).

  Where windows tile the input, ties in a window share the gradient equally
  (jnp.max's rule) instead of all of it going to one of them.

  Returns:
    [batch, *out_spatial, channels], out_spatial from
    `conv_arithmetic.pool_output_shape`.
  """
  window, strides = _window_dims(x, window, strides)
  _check_output_shape(x, window, strides, padding, ceil_mode)
  pads = _pads(x, window, strides, padding, ceil_mode)
  tiled = _tiled(x, window, strides, pads)
  if tiled is not None:
    return jnp.max(tiled, axis=tuple(range(2, tiled.ndim - 1, 2)))
  # A concrete numpy init (not a jnp array, which is a tracer under jit) lets
  # JAX recognise the max monoid, the only form it can differentiate.
  init = np.array(-np.inf, x.dtype)
  return jax.lax.reduce_window(
      x, init, jax.lax.max, (1, *window, 1), (1, *strides, 1), ((0, 0), *pads, (0, 0))
  )


def avg_pool(
    x: jax.Array,
    window: int | Sequence[int],
    strides: int | Sequence[int] | None = None,
    padding: PoolPadding = 'VALID',
    count_include_pad: bool = True,
    ceil_mode: bool = False,
) -> jax.Array:
  """Channel-wise mean over windows (notes 4.6.2).

  Args:
    x: [batch, *spatial, channels].
    window: window size per spatial axis (or one int).
    strides: stride per axis; defaults to the window.
    padding: as for `max_pool`; padded cells hold zeros.
    count_include_pad: divide by the full window size (PyTorch's default)
      rather than by the number of real input cells in the window.
    ceil_mode: as for `max_pool`. As in PyTorch, a last window that overhangs
      the padded input is divided by its cells inside the padded input
      (count_include_pad) or inside the real input (not), never by the cells
      ceil_mode adds.

  Returns:
    [batch, *out_spatial, channels].
  """
  window, strides = _window_dims(x, window, strides)
  _check_output_shape(x, window, strides, padding, ceil_mode)
  pads = _pads(x, window, strides, padding, ceil_mode)
  tiled = _tiled(x, window, strides, pads)
  if tiled is not None:
    return jnp.mean(tiled, axis=tuple(range(2, tiled.ndim - 1, 2)))
  zero = np.array(0, x.dtype)
  dims, strd = (1, *window, 1), (1, *strides, 1)
  full_pads = ((0, 0), *pads, (0, 0))
  sums = jax.lax.reduce_window(x, zero, jax.lax.add, dims, strd, full_pads)
  if count_include_pad and not ceil_mode:
    size = 1
    for f in window:
      size *= f
    return sums / jnp.array(size, x.dtype)
  if count_include_pad:
    # Cells of the user's padding count, the ones ceil_mode adds on the right do not.
    base = _pads(x, window, strides, padding, False)
    ones = jnp.ones((1, *(n + lo + hi for n, (lo, hi) in zip(x.shape[1:-1], base)), 1), x.dtype)
    count_pads = ((0, 0), *((0, hi - base_hi) for (_, hi), (_, base_hi) in zip(pads, base)), (0, 0))
  else:
    ones = jnp.ones((1, *x.shape[1:-1], 1), x.dtype)
    count_pads = full_pads
  counts = jax.lax.reduce_window(ones, zero, jax.lax.add, dims, strd, count_pads)
  return sums / counts


def global_avg_pool(x: jax.Array) -> jax.Array:
  """Mean over all spatial axes (notes 4.6.2): [batch, *spatial, C] -> [batch, C]."""
  if x.ndim < 3:
    raise ValueError(f'x must be [batch, *spatial, channels], got {x.shape}')
  if 0 in x.shape[1:-1]:
    raise ValueError(f'x must have non-empty spatial axes (a mean over none is NaN), got {x.shape}')
  return jnp.mean(x, axis=tuple(range(1, x.ndim - 1)))


def adaptive_avg_pool(x: jax.Array, output_size: int | Sequence[int]) -> jax.Array:
  """PyTorch's AdaptiveAvgPool: a fixed output grid for any input size.

  Output cell i along an axis of length n averages input rows
  floor(i * n / o) ... ceil((i + 1) * n / o) - 1. A rectangle's mean is the mean
  of its row means, so the axes are pooled one after another.

  Args:
    x: [batch, *spatial, channels].
    output_size: output length per spatial axis (or one int).

  Returns:
    [batch, *output_size, channels].
  """
  nsp = x.ndim - 2
  if nsp < 1:
    # With no spatial axis an int output_size used to return x unchanged.
    raise ValueError(
        f'x must be [batch, *spatial, channels] with at least one '
        f'spatial axis, got shape {x.shape}'
    )
  if 0 in x.shape[1:-1]:
    raise ValueError(f'x must have non-empty spatial axes (a mean over none is NaN), got {x.shape}')
  out = conv_arithmetic._per_axis('output_size', output_size, nsp)  # pylint: disable=protected-access
  for axis, o in enumerate(out, start=1):
    n = x.shape[axis]
    if not isinstance(o, int) or isinstance(o, bool) or o < 1:
      raise ValueError(f'output_size must hold positive ints, got {output_size}')
    if o == n:
      continue
    cells = []
    for i in range(o):
      start, end = (i * n) // o, -(-((i + 1) * n) // o)
      cells.append(
          jnp.mean(jax.lax.slice_in_dim(x, start, end, axis=axis), axis=axis, keepdims=True)
      )
    x = jnp.concatenate(cells, axis=axis)
  return x


class MaxPool(nn.Module):
  """`max_pool` as a named, parameter-free layer."""

  window: int | Sequence[int]  # window size per spatial axis
  strides: int | Sequence[int] | None = None  # None: equal to the window
  padding: PoolPadding = 'VALID'  # 'VALID', 'SAME', int or (lo, hi) per axis
  ceil_mode: bool = False  # PyTorch's round-up of the output size

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    return max_pool(x, self.window, self.strides, self.padding, self.ceil_mode)


class AvgPool(nn.Module):
  """`avg_pool` as a named, parameter-free layer."""

  window: int | Sequence[int]  # window size per spatial axis
  strides: int | Sequence[int] | None = None  # None: equal to the window
  padding: PoolPadding = 'VALID'  # 'VALID', 'SAME', int or (lo, hi) per axis
  count_include_pad: bool = True  # divide by the full window size
  ceil_mode: bool = False  # PyTorch's round-up of the output size

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    return avg_pool(
        x, self.window, self.strides, self.padding, self.count_include_pad, self.ceil_mode
    )


class GlobalAvgPool(nn.Module):
  """`global_avg_pool` as a named layer: [B, *spatial, C] -> [B, C]."""

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    return global_avg_pool(x)


class AdaptiveAvgPool(nn.Module):
  """`adaptive_avg_pool` as a named layer."""

  output_size: int | Sequence[int]  # output length per spatial axis

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    return adaptive_avg_pool(x, self.output_size)


def make_pool(
    kind: str,
    window: int | Sequence[int],
    strides: int | Sequence[int] | None = None,
    padding: PoolPadding = 'VALID',
    name: str | None = None,
) -> nn.Module:
  """A 'max' or 'avg' pooling layer; VGG's `pool` option switches with this."""
  if kind == 'max':
    return MaxPool(window, strides, padding, name=name)
  if kind == 'avg':
    return AvgPool(window, strides, padding, name=name)
  raise ValueError(f"pool kind must be 'max' or 'avg', got {kind!r}")
