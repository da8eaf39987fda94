"""Banded (Toeplitz) convolution: its matrix, values and gradients against references."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxdl.cpu import banded_conv
from jaxdl.models.registry import build_model

_DIMS = ('NHWC', 'HWIO', 'NHWC')


def _loop_banded_matrix(kernel, width):
  """T by explicit loops over the band, straight from the definition."""
  f, _, c, k = kernel.shape
  wo = width - f + 1
  t = np.zeros((f, width, c, wo, k), np.float32)
  for i in range(f):
    for w_out in range(wo):
      for j in range(f):
        t[i, w_out + j, :, w_out, :] = kernel[i, j]
  return t.reshape(f * width * c, wo * k)


def test_banded_matrix_is_the_toeplitz_band():
  kernel = np.random.default_rng(0).normal(size=(3, 3, 2, 4)).astype(np.float32)
  np.testing.assert_array_equal(
      banded_conv.banded_matrix(jnp.asarray(kernel), 7), _loop_banded_matrix(kernel, 7)
  )
  # Outside the band every entry is zero: 3 of 7 input columns per output one.
  assert np.count_nonzero(_loop_banded_matrix(np.ones((3, 3, 1, 1)), 7)) == 3 * 3 * 5


@settings(max_examples=12, deadline=None)
@given(
    b=st.integers(1, 3),
    h=st.integers(1, 12),
    w=st.integers(1, 12),
    c=st.integers(1, 4),
    k=st.integers(1, 5),
    f=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_values_and_both_gradients_equal_lax_conv(b, h, w, c, k, f, seed):
  f = min(f, h, w)
  rng = np.random.default_rng(seed)
  x = jnp.asarray(rng.normal(size=(b, h, w, c)), jnp.float32)
  kernel = jnp.asarray(rng.normal(size=(f, f, c, k)), jnp.float32)
  lax_conv = lambda x, k_: jax.lax.conv_general_dilated(
      x, k_, (1, 1), 'VALID', dimension_numbers=_DIMS
  )
  y_ref, vjp_ref = jax.vjp(lax_conv, x, kernel)
  y, vjp = jax.vjp(banded_conv.banded_conv, x, kernel)
  assert y.shape == (b, h - f + 1, w - f + 1, k)
  np.testing.assert_allclose(y, y_ref, rtol=1e-5, atol=1e-5)
  dy = jnp.asarray(rng.normal(size=y.shape), jnp.float32)
  for got, want in zip(vjp(dy), vjp_ref(dy)):
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_module_is_a_drop_in_for_valid_nn_conv():
  x = jnp.asarray(np.random.default_rng(1).normal(size=(2, 10, 9, 3)), jnp.float32)
  ref = nn.Conv(4, (3, 3), padding='VALID')
  fast = banded_conv.BandedConv(4, (3, 3))
  params = ref.init(jax.random.key(0), x)
  assert jax.tree.map(jnp.shape, fast.init(jax.random.key(0), x)) == jax.tree.map(jnp.shape, params)
  np.testing.assert_allclose(
      jax.jit(fast.apply)(params, x), jax.jit(ref.apply)(params, x), rtol=1e-5, atol=1e-5
  )
  for bad in (dict(strides=2), dict(padding='SAME')):
    with pytest.raises(ValueError, match='valid, stride-1'):
      banded_conv.BandedConv(4, (3, 3), **bad).init(jax.random.key(0), x)


def test_lenet5_default_banded_equals_lenet5_on_nn_conv():
  x = jnp.asarray(np.random.default_rng(2).uniform(size=(4, 32, 32, 1)), jnp.float32)
  labels = jnp.arange(4)
  ref = build_model('lenet5', 10, conv_impl='xla')
  fast = build_model('lenet5', 10)  # 'auto': banded on this CPU
  params = ref.init(jax.random.key(0), x)
  assert sum(p.size for p in jax.tree.leaves(params)) == 61_706  # textbook count
  np.testing.assert_allclose(fast.apply(params, x), ref.apply(params, x), rtol=1e-5, atol=1e-5)
  loss = lambda m: lambda p: -jnp.mean(jax.nn.log_softmax(m.apply(p, x))[jnp.arange(4), labels])
  jax.tree.map(
      lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5),
      jax.grad(loss(fast))(params),
      jax.grad(loss(ref))(params),
  )
  with pytest.raises(ValueError, match='conv_impl'):
    build_model('lenet5', 10, conv_impl='fft').init(jax.random.key(0), x)
