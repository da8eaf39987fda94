"""Conv/pool shape arithmetic (notes 4.1-4.3) against what XLA and flax produce."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jaxdl.models import conv_arithmetic as ca

_SETTINGS = settings(max_examples=60, deadline=None)


def test_notes_examples_by_hand():
  # notes 4.1: 6x6 * 3x3 -> 4x4; 4.2.2: p = 1 keeps 6; 4.3: 7x7, f=3, s=2 -> 3.
  assert ca.conv_output_size(6, 3) == 4
  assert ca.conv_output_size(6, 3, 1, 1) == 6
  assert ca.conv_output_size(7, 3, 2) == 3
  # notes 4.3 with padding: floor((7 + 2 - 3) / 2) + 1 = 4.
  assert ca.conv_output_size(7, 3, 2, 1) == 4
  assert ca.conv_output_shape((32, 32, 16), 5, 1, 'VALID') == (28, 28, 12)
  # VGG: 224 halves five times to 7; ResNet stem 7x7/2 pad 3 -> 112.
  assert ca.pool_output_shape((224, 224), 2) == (112, 112)
  assert ca.conv_output_size(224, 7, 2, 3) == 112
  # GoogLeNet's ceil-mode pool: 112 -> 56 (floor mode would give 55).
  assert ca.conv_output_size(112, 3, 2, ceil_mode=True) == 56
  assert ca.conv_output_size(112, 3, 2) == 55


def test_same_padding_by_hand():
  assert ca.symmetric_same_padding(3) == 1
  assert ca.symmetric_same_padding(5) == 2
  assert ca.symmetric_same_padding(3, d=2) == 2
  assert ca.same_padding(224, 3, 2) == (0, 1)  # XLA puts the odd row last
  assert ca.same_padding(10, 4) == (1, 2)
  with pytest.raises(ValueError, match='odd'):
    ca.symmetric_same_padding(4)


def test_param_counts_by_hand():
  # notes 4.5: 10 filters of 3x3x3 + one bias each = 280.
  assert ca.conv_param_count((3, 3), 3, 10) == 280
  with pytest.raises(ValueError, match='kernel'):
    ca.conv_param_count(3, 3, 10)
  assert ca.conv_param_count((3, 3, 3), 2, 4, use_bias=False) == 216
  assert ca.dense_param_count(400, 120) == 48120


@pytest.mark.parametrize('bad', ['same-ish', -1, (1, -2), (1, 2, 3), 1.5])
def test_bad_padding_raises(bad):
  with pytest.raises(ValueError, match='padding'):
    ca.conv_output_size(8, 3, 1, bad)


def test_bad_sizes_raise():
  with pytest.raises(ValueError, match='exceeds'):
    ca.conv_output_size(3, 5)
  with pytest.raises(ValueError, match='s must be'):
    ca.conv_output_size(8, 3, 0)
  with pytest.raises(ValueError, match='kernel'):
    ca.conv_output_shape((8, 8), (3, 3, 3))


@st.composite
def conv_cases(draw):
  nd = draw(st.integers(1, 3))
  spatial = tuple(draw(st.integers(1, 12)) for _ in range(nd))
  kernel = tuple(draw(st.integers(1, 4)) for _ in range(nd))
  strides = tuple(draw(st.integers(1, 3)) for _ in range(nd))
  dil = tuple(draw(st.integers(1, 2)) for _ in range(nd))
  kind = draw(st.sampled_from(['VALID', 'SAME', 'explicit']))
  if kind == 'explicit':
    padding = tuple((draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(nd))
  else:
    padding = kind
  return spatial, kernel, strides, dil, padding


def _fits(spatial, kernel, dil, padding):
  pads = (
      ca.explicit_padding(spatial, kernel, 1, padding, dil)
      if padding != 'SAME'
      else [(0, 0)] * len(spatial)
  )
  return all(
      n + lo + hi >= ca.effective_kernel_size(f, d) or padding == 'SAME'
      for n, f, d, (lo, hi) in zip(spatial, kernel, dil, pads)
  )


@_SETTINGS
@given(conv_cases())
def test_conv_shape_matches_lax(case):
  spatial, kernel, strides, dil, padding = case
  assume(_fits(spatial, kernel, dil, padding))
  nd = len(spatial)
  lhs = jax.ShapeDtypeStruct((1, 2, *spatial), jnp.float32)  # NC(spatial)
  rhs = jax.ShapeDtypeStruct((3, 2, *kernel), jnp.float32)  # OI(spatial)
  out = jax.eval_shape(
      lambda a, b: jax.lax.conv_general_dilated(a, b, strides, padding, rhs_dilation=dil), lhs, rhs
  )
  assert out.shape[2:] == ca.conv_output_shape(spatial, kernel, strides, padding, dil)
  assert len(out.shape) == nd + 2


@_SETTINGS
@given(conv_cases())
def test_conv_shape_matches_flax(case):
  spatial, kernel, strides, dil, padding = case
  assume(_fits(spatial, kernel, dil, padding))
  layer = nn.Conv(3, kernel, strides, padding, kernel_dilation=dil)
  x = jnp.zeros((1, *spatial, 2))
  out, _ = jax.eval_shape(lambda: layer.init_with_output(jax.random.key(0), x))
  assert out.shape == (1, *ca.conv_output_shape(spatial, kernel, strides, padding, dil), 3)


@_SETTINGS
@given(conv_cases())
def test_pool_shape_matches_reduce_window(case):
  spatial, window, strides, _, padding = case
  assume(_fits(spatial, window, (1,) * len(spatial), padding))
  x = jax.ShapeDtypeStruct((1, *spatial, 2), jnp.float32)
  out = jax.eval_shape(lambda a: nn.max_pool(a, window, strides, padding), x)
  assert out.shape[1:-1] == ca.pool_output_shape(spatial, window, strides, padding)


def _brute_force_windows(n, f, s, lo, hi, ceil_mode):
  """Counts window starts directly from the definition of each rounding mode."""
  count, start = 0, 0
  while True:
    full = start + f <= n + lo + hi
    # ceil_mode also keeps one partial last window when the previous window
    # left the end of the padded input uncovered, if it starts in real input
    # or in the left padding.
    partial = ceil_mode and start < n + lo and start > 0 and start - s + f < n + lo + hi
    if not (full or partial):
      return count
    count += 1
    start += s


@_SETTINGS
@given(
    st.integers(1, 30),
    st.integers(1, 5),
    st.integers(1, 4),
    st.integers(0, 2),
    st.integers(0, 2),
    st.booleans(),
)
def test_pool_size_matches_brute_force(n, f, s, lo, hi, ceil_mode):
  assume(n + lo + hi >= f)
  if ceil_mode and max(lo, hi) > f // 2:
    with pytest.raises(ValueError, match='half the window'):
      ca.conv_output_size(n, f, s, (lo, hi), ceil_mode=True)
    return
  assert ca.conv_output_size(n, f, s, (lo, hi), ceil_mode=ceil_mode) == _brute_force_windows(
      n, f, s, lo, hi, ceil_mode
  )


@_SETTINGS
@given(st.integers(1, 40), st.integers(1, 6), st.integers(1, 4), st.integers(1, 3))
def test_same_padding_gives_ceil_n_over_s(n, f, s, d):
  lo, hi = ca.same_padding(n, f, s, d)
  assert 0 <= hi - lo <= 1
  assert ca.conv_output_size(n, f, s, (lo, hi), d) == -(-n // s)
  if s == 1 and (d * (f - 1)) % 2 == 0:
    # notes 4.2.2: n + 2p - f + 1 = n with p = (f - 1) / 2.
    assert lo == hi == ca.symmetric_same_padding(f, d)


def test_explicit_padding_checks_the_number_of_specs():
  # Before: the per-axis specs were zipped with the axes, so a short list dropped
  # axes silently and a 1D (lo, hi) pair lost its hi side.
  with pytest.raises(
      ValueError,
      match=r'padding must be a string, an int or one spec per spatial axis \(2\), '
      r'got \[\(1, 1\)\]',
  ):
    ca.explicit_padding((8, 8), 3, padding=[(1, 1)])
  assert ca.explicit_padding((8,), 3, padding=(0, 2)) == ((0, 2),)
  assert ca.conv_output_shape((8,), 3, padding=(0, 2)) == (8,)  # agrees with the pads above
  with pytest.raises(ValueError, match='spatial must have at least one axis'):
    ca.explicit_padding((), 3)


def test_param_counts_reject_non_positive_sizes():
  with pytest.raises(ValueError, match='groups must be a positive int, got 0'):
    ca.conv_param_count((3, 3), 4, 8, groups=0)  # ZeroDivisionError before
  with pytest.raises(ValueError, match='kernel entries must be a positive int, got 0'):
    ca.conv_param_count((3, 0), 4, 8)
  with pytest.raises(ValueError, match='in_channels must be a positive int, got -4'):
    ca.conv_param_count((3, 3), -4, 8)
  with pytest.raises(ValueError, match='kernel must have at least one spatial axis'):
    ca.conv_param_count((), 4, 8)
  with pytest.raises(ValueError, match='out_features must be a positive int, got 0'):
    ca.dense_param_count(10, 0)
  assert ca.conv_param_count((3, 3), 4, 8) == 3 * 3 * 4 * 8 + 8
  assert ca.dense_param_count(10, 3, use_bias=False) == 30
