"""jaxdl.cpu.batch_norm against a numpy reference and flax's BatchNorm."""

import flax.linen as nn
import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings

from jaxdl.cpu import batch_norm, layers


def _numpy_bn(x, scale, bias, eps):
  """Notes 2.9 in float64: mu, sigma^2 over all axes but the last."""
  x = x.astype(np.float64).reshape(-1, x.shape[-1])
  mean = x.mean(0)
  var = ((x - mean) ** 2).mean(0)
  return (x - mean) / np.sqrt(var + eps) * scale + bias, mean, var


def test_column_sums_is_a_sum_over_rows():
  a = np.random.default_rng(0).normal(size=(1000, 7)).astype(np.float32)
  np.testing.assert_allclose(
      batch_norm.column_sums(jnp.asarray(a)), a.astype(np.float64).sum(0), rtol=1e-5, atol=1e-4
  )


@settings(max_examples=15, deadline=None)
@given(
    shape=st.sampled_from([(4, 3), (8, 5, 5, 6), (2, 3, 4, 5, 2)]),
    seed=st.integers(0, 2**16),
    offset=st.floats(-3, 3),
)
def test_forward_matches_numpy(shape, seed, offset):
  rng = np.random.default_rng(seed)
  x = (rng.normal(size=shape) * 2 + offset).astype(np.float32)
  scale = rng.normal(size=shape[-1]).astype(np.float32)
  bias = rng.normal(size=shape[-1]).astype(np.float32)
  y, mean, var = batch_norm.batch_norm(x, scale, bias, 1e-5)
  ry, rmean, rvar = _numpy_bn(x, scale, bias, 1e-5)
  np.testing.assert_allclose(np.asarray(y).reshape(ry.shape), ry, atol=1e-4)
  np.testing.assert_allclose(mean, rmean, atol=1e-5)
  np.testing.assert_allclose(var, rvar, rtol=1e-4, atol=1e-5)


def test_custom_vjp_matches_autodiff_of_the_same_math():
  # The hand-written backward (GEMM sums) against jax.grad of the plain-jnp
  # version, with cotangents on all three outputs (y, mean and var).
  rng = np.random.default_rng(1)
  x = jnp.asarray(rng.normal(size=(6, 4, 4, 8)) * 3 + 1, jnp.float32)
  scale = jnp.asarray(rng.normal(size=8), jnp.float32)
  bias = jnp.asarray(rng.normal(size=8), jnp.float32)
  gy = jnp.asarray(rng.normal(size=x.shape), jnp.float32)
  gm, gv = (jnp.asarray(rng.normal(size=8), jnp.float32) for _ in range(2))

  def loss(fn):
    def f(x, scale, bias):
      y, mean, var = fn(x, scale, bias, 1e-3)
      return jnp.sum(y * gy) + jnp.dot(mean, gm) + jnp.dot(var, gv)

    return jax.grad(f, argnums=(0, 1, 2))

  got = loss(batch_norm.batch_norm)(x, scale, bias)
  want = loss(batch_norm.batch_norm_xla)(x, scale, bias)
  for g, w in zip(got, want):
    np.testing.assert_allclose(g, w, rtol=2e-4, atol=2e-4)


def test_gradient_matches_finite_differences():
  rng = np.random.default_rng(2)
  x = rng.normal(size=(5, 3)).astype(np.float64)
  w = rng.normal(size=(5, 3))

  def f(x):
    y, _, _ = batch_norm.batch_norm(x.astype(jnp.float32), jnp.ones(3), jnp.zeros(3), 1e-3)
    return jnp.sum(y * w)

  g = np.asarray(jax.grad(f)(jnp.asarray(x, jnp.float32)))
  eps = 1e-2
  for i, j in [(0, 0), (2, 1), (4, 2)]:
    d = np.zeros_like(x)
    d[i, j] = eps
    fd = (float(f(jnp.asarray(x + d))) - float(f(jnp.asarray(x - d)))) / (2 * eps)
    assert g[i, j] == pytest.approx(fd, rel=2e-2, abs=2e-3)


@pytest.mark.parametrize('stats', ['gemm', 'xla'])
def test_module_matches_flax_batchnorm(stats):
  # Same variables, same outputs, same running averages, same gradients.
  rng = np.random.default_rng(3)
  x = jnp.asarray(rng.normal(size=(8, 4, 4, 6)) + 2, jnp.float32)
  ours = batch_norm.BatchNorm(momentum=0.9, epsilon=1e-5, stats=stats)
  flax_bn = nn.BatchNorm(use_running_average=False, momentum=0.9, epsilon=1e-5)
  v = ours.init(jax.random.key(0), x)
  fv = flax_bn.init(jax.random.key(0), x)
  assert jax.tree.map(jnp.shape, v) == jax.tree.map(jnp.shape, fv)
  v = {
      'params': {'scale': jnp.arange(1.0, 7.0), 'bias': jnp.arange(6.0) / 3},
      'batch_stats': {'mean': jnp.ones(6), 'var': jnp.full(6, 2.0)},
  }
  y, upd = ours.apply(v, x, mutable=['batch_stats'])
  fy, fupd = flax_bn.apply(v, x, mutable=['batch_stats'])
  np.testing.assert_allclose(y, fy, atol=1e-5)
  for k in ('mean', 'var'):
    np.testing.assert_allclose(upd['batch_stats'][k], fupd['batch_stats'][k], rtol=1e-5, atol=1e-6)

  def loss(module):
    return jax.grad(
        lambda p, x: jnp.sum(
            jnp.sin(module.apply({**v, 'params': p}, x, mutable=['batch_stats'])[0])
        ),
        argnums=(0, 1),
    )

  got, want = loss(ours)(v['params'], x), loss(flax_bn)(v['params'], x)
  for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
    np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4)
  # Evaluation uses the running averages.
  ey = batch_norm.BatchNorm(use_running_average=True, stats=stats).apply(v, x)
  fey = nn.BatchNorm(use_running_average=True).apply(v, x)
  np.testing.assert_allclose(ey, fey, atol=1e-5)


def test_init_leaves_running_averages_alone_and_bf16_output():
  x = jnp.full((4, 3), 5.0, jnp.bfloat16)
  v = batch_norm.BatchNorm(stats='gemm').init(jax.random.key(0), x)
  np.testing.assert_array_equal(v['batch_stats']['mean'], 0.0)
  np.testing.assert_array_equal(v['batch_stats']['var'], 1.0)
  y = batch_norm.BatchNorm(stats='gemm', dtype=jnp.bfloat16).apply(v, x, mutable=['batch_stats'])[0]
  assert y.dtype == jnp.bfloat16


def test_bad_stats_name_is_refused():
  with pytest.raises(ValueError, match='stats must be one of'):
    batch_norm.BatchNorm(stats='fast').init(jax.random.key(0), jnp.ones((2, 3)))
  assert batch_norm.resolve_stats('auto') == ('gemm' if layers.on_cpu() else 'xla')
