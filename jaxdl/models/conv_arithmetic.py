"""Convolution and pooling shape arithmetic in 1D, 2D and 3D (notes 4.1-4.3, 4.7).

Every function here works on plain Python ints, so that a model can compute its
padding at trace time and a test can compare against the shapes that
`jax.lax.conv_general_dilated` and `flax.linen` produce.

Conventions: `n` is an input length along one spatial axis, `f` the kernel
(window) size, `s` the stride, `p` the padding, `d` the kernel dilation.
Padding is either an int (the same `p` on both sides, as in the notes), a pair
`(lo, hi)`, or one of the strings 'VALID' / 'SAME' (XLA semantics).
"""

import math
from collections.abc import Sequence

Padding = int | tuple[int, int] | str

_PAD_STRINGS = ('VALID', 'SAME')


def _check_positive(name: str, value: int) -> None:
  if not isinstance(value, (int,)) or isinstance(value, bool) or value < 1:
    raise ValueError(f'{name} must be a positive int, got {value!r}')


def effective_kernel_size(f: int, d: int = 1) -> int:
  """Extent of a dilated kernel: d * (f - 1) + 1 input positions."""
  _check_positive('f', f)
  _check_positive('d', d)
  return d * (f - 1) + 1


def same_padding(n: int, f: int, s: int = 1, d: int = 1) -> tuple[int, int]:
  """The (lo, hi) padding that XLA's 'SAME' adds so that output = ceil(n / s).

  With stride 1 this is the notes' 4.2.2 "same" convolution: n + 2p - f + 1 = n,
  i.e. p = (f - 1) / 2 per side for odd f. For even f (or strides > 1) the
  total padding is odd and the extra row goes at the end (hi side), as in XLA.

  Args:
    n: input length along the axis.
    f: kernel size.
    s: stride.
    d: kernel dilation.

  Returns:
    (lo, hi) padding, both >= 0.
  """
  _check_positive('n', n)
  _check_positive('s', s)
  fe = effective_kernel_size(f, d)
  out = -(-n // s)
  total = max((out - 1) * s + fe - n, 0)
  return total // 2, total - total // 2


def symmetric_same_padding(f: int, d: int = 1) -> int:
  """The per-side padding p with n + 2p - f + 1 = n (notes 4.2.2): (f - 1) / 2.

  Frameworks with symmetric padding (PyTorch's `padding=p`) need an odd kernel
  for this; an even kernel raises rather than silently shrinking by one.
  """
  fe = effective_kernel_size(f, d)
  if fe % 2 == 0:
    raise ValueError(
        f'f must give an odd effective kernel for symmetric same '
        f'padding, got f={f}, d={d} (effective {fe})'
    )
  return (fe - 1) // 2


def resolve_padding(padding: Padding, n: int, f: int, s: int = 1, d: int = 1) -> tuple[int, int]:
  """Turns any accepted padding spec into an explicit (lo, hi) pair."""
  if isinstance(padding, str):
    if padding.upper() not in _PAD_STRINGS:
      raise ValueError(
          f"padding must be an int, a (lo, hi) pair, 'VALID' or " f"'SAME', got {padding!r}"
      )
    if padding.upper() == 'VALID':
      return 0, 0
    return same_padding(n, f, s, d)
  if isinstance(padding, int) and not isinstance(padding, bool):
    if padding < 0:
      raise ValueError(f'padding must be >= 0, got {padding}')
    return padding, padding
  if (
      isinstance(padding, Sequence)
      and len(padding) == 2
      and all(isinstance(v, int) and v >= 0 for v in padding)
  ):
    return int(padding[0]), int(padding[1])
  raise ValueError(
      f'padding must be an int, a (lo, hi) pair of ints >= 0, '
      f"'VALID' or 'SAME', got {padding!r}"
  )


def conv_output_size(
    n: int, f: int, s: int = 1, padding: Padding = 0, d: int = 1, ceil_mode: bool = False
) -> int:
  """Output length of a convolution or pooling along one axis (notes 4.1-4.3).

  floor((n + 2p - f) / s) + 1, with 2p replaced by lo + hi for asymmetric
  padding and f by the dilated extent. `ceil_mode` is PyTorch's pooling
  option (`pooling_output_shape_pad_lr` in ATen): ceil((n + 2p - f) / s) + 1,
  minus one if the last window would start in the right padding, i.e.
  (out - 1) s >= n + lo (it would see no input); padding must then be at most
  f // 2. With ceil_mode a window up to s - 1 cells longer than the padded
  input still gives one output, as in PyTorch (e.g. n=3, f=4, s=4 -> 1).

  Args:
    n: input length (>= 1).
    f: kernel/window size (>= 1).
    s: stride (>= 1).
    padding: int, (lo, hi), 'VALID' or 'SAME'.
    d: kernel dilation (>= 1).
    ceil_mode: round the division up instead of down.

  Returns:
    The output length.

  Raises:
    ValueError: on non-positive sizes or a kernel larger than the padded input.
  """
  _check_positive('n', n)
  _check_positive('s', s)
  fe = effective_kernel_size(f, d)
  lo, hi = resolve_padding(padding, n, f, s, d)
  span = n + lo + hi - fe
  too_big = (
      f'kernel extent {fe} exceeds the padded input ' f'{n + lo + hi} (n={n}, padding=({lo}, {hi}))'
  )
  if not ceil_mode:
    if span < 0:
      raise ValueError(too_big)
    return span // s + 1
  if max(lo, hi) > fe // 2:
    # PyTorch's rule; beyond it a window could lie wholly in the padding.
    raise ValueError(
        f'padding must be at most half the window ({fe // 2}) ' f'with ceil_mode, got ({lo}, {hi})'
    )
  out = -(-span // s) + 1  # ceil, also for span < 0 (PyTorch's floor of span + s - 1)
  if out < 1:
    raise ValueError(too_big + f' by {-span} >= stride {s}, even with ceil_mode')
  if (out - 1) * s >= n + lo:
    out -= 1
  return out


def _per_axis(name: str, value, ndim: int) -> tuple:
  if isinstance(value, (int, str)) and not isinstance(value, bool):
    return (value,) * ndim
  value = tuple(value)
  if len(value) != ndim:
    raise ValueError(
        f'{name} must be a scalar or have {ndim} entries (one per ' f'spatial axis), got {value!r}'
    )
  return value


def _per_axis_padding(padding, ndim: int) -> tuple:
  """One padding spec per spatial axis, or ValueError (never a silent zip)."""
  if isinstance(padding, (str, int)):
    return (padding,) * ndim
  pads = tuple(padding)
  # A single (lo, hi) pair for a 1D input is ambiguous with two int pads.
  if ndim == 1 and len(pads) == 2 and all(isinstance(v, int) for v in pads):
    pads = (pads,)
  if len(pads) != ndim:
    raise ValueError(
        f'padding must be a string, an int or one spec per '
        f'spatial axis ({ndim}), got {padding!r}'
    )
  return pads


def conv_output_shape(
    spatial: Sequence[int],
    kernel: int | Sequence[int],
    strides: int | Sequence[int] = 1,
    padding: Padding | Sequence[Padding] = 'VALID',
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
) -> tuple[int, ...]:
  """Spatial output shape of an N-d convolution (1D, 2D, 3D, ...).

  Args:
    spatial: input spatial shape, e.g. (length,), (H, W) or (D, H, W).
    kernel: kernel size per axis (or one int for all).
    strides: stride per axis (or one int).
    padding: 'VALID' / 'SAME' for all axes, or one spec per axis.
    dilation: kernel dilation per axis (or one int).
    ceil_mode: see `conv_output_size`.

  Returns:
    The output spatial shape, one int per axis.
  """
  spatial = tuple(spatial)
  ndim = len(spatial)
  if ndim == 0:
    raise ValueError('spatial must have at least one axis')
  kernel = _per_axis('kernel', kernel, ndim)
  strides = _per_axis('strides', strides, ndim)
  dilation = _per_axis('dilation', dilation, ndim)
  pads = _per_axis_padding(padding, ndim)
  return tuple(
      conv_output_size(n, f, s, p, d, ceil_mode)
      for n, f, s, p, d in zip(spatial, kernel, strides, pads, dilation)
  )


def pool_output_shape(
    spatial: Sequence[int],
    window: int | Sequence[int],
    strides: int | Sequence[int] | None = None,
    padding: Padding | Sequence[Padding] = 'VALID',
    ceil_mode: bool = False,
) -> tuple[int, ...]:
  """Spatial output shape of pooling (notes 4.6); the stride defaults to the window.

  Pooling acts on each channel separately, so the channel count is unchanged.
  """
  return conv_output_shape(
      spatial, window, window if strides is None else strides, padding, 1, ceil_mode
  )


def explicit_padding(
    spatial: Sequence[int],
    kernel: int | Sequence[int],
    strides: int | Sequence[int] = 1,
    padding: Padding | Sequence[Padding] = 'SAME',
    dilation: int | Sequence[int] = 1,
) -> tuple[tuple[int, int], ...]:
  """Per-axis (lo, hi) padding pairs, ready for `lax.conv_general_dilated`.

  Padding is normalised as in `conv_output_shape`: a spec list of the wrong
  length raises (it used to be zipped short, dropping axes), and for 1D input
  a (lo, hi) pair is one asymmetric padding.
  """
  spatial = tuple(spatial)
  ndim = len(spatial)
  if ndim == 0:
    raise ValueError('spatial must have at least one axis')
  kernel = _per_axis('kernel', kernel, ndim)
  strides = _per_axis('strides', strides, ndim)
  dilation = _per_axis('dilation', dilation, ndim)
  pads = _per_axis_padding(padding, ndim)
  return tuple(
      resolve_padding(p, n, f, s, d)
      for n, f, s, p, d in zip(spatial, kernel, strides, pads, dilation)
  )


def ceil_mode_extra_padding(n: int, f: int, s: int, padding: Padding = 0) -> int:
  """Extra right padding that turns floor rounding into PyTorch's ceil_mode."""
  lo, hi = resolve_padding(padding, n, f, s)
  ceil_out = conv_output_size(n, f, s, (lo, hi), ceil_mode=True)
  # Floor rounding yields ceil_out windows once the padded input holds the
  # last window in full.
  return max((ceil_out - 1) * s + f - (n + lo + hi), 0)


def conv_param_count(
    kernel: Sequence[int],
    in_channels: int,
    out_channels: int,
    use_bias: bool = True,
    groups: int = 1,
) -> int:
  """Weights of one conv layer (notes 4.5, 4.7): prod(kernel) * C_in * C_out + C_out.

  Each of the C_out filters spans all input channels (notes 4.4) and has one
  bias (notes 4.5); the count does not depend on the input's spatial size.
  """
  if isinstance(kernel, int):
    # An int would be ambiguous (3 could mean 3 or 3x3); ask for the axes.
    raise ValueError(f'kernel must give one size per spatial axis, e.g. ' f'(3, 3), got {kernel!r}')
  kernel = tuple(kernel)
  if not kernel:
    raise ValueError('kernel must have at least one spatial axis, got ()')
  for f in kernel:
    _check_positive('kernel entries', f)
  _check_positive('in_channels', in_channels)
  _check_positive('out_channels', out_channels)
  _check_positive('groups', groups)
  if in_channels % groups or out_channels % groups:
    raise ValueError(
        f'groups={groups} must divide in_channels={in_channels} ' f'and out_channels={out_channels}'
    )
  weights = math.prod(kernel) * (in_channels // groups) * out_channels
  return weights + (out_channels if use_bias else 0)


def dense_param_count(in_features: int, out_features: int, use_bias: bool = True) -> int:
  """Weights of a fully connected layer: n_in * n_out (+ n_out biases)."""
  _check_positive('in_features', in_features)
  _check_positive('out_features', out_features)
  return in_features * out_features + (out_features if use_bias else 0)
