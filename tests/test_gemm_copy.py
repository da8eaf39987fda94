"""jaxdl.cpu.gemm_copy: an exact identity, a pass-through gradient, and
that ResNet gives the same values and gradients with and without it."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.cpu import gemm_copy
from jaxdl.models.zoo import resnet


def test_values_are_bitwise_the_input():
  rng = np.random.default_rng(0)
  x = rng.normal(size=(3, 5, 4, 32)).astype(np.float32) * 1e3
  x[0, 0, 0, :3] = (0.0, 3.4e38, -1.2e-38)  # zero and the normal extremes
  np.testing.assert_array_equal(np.asarray(gemm_copy.gemm_copy(x)), x)
  # The documented exceptions: -0 and subnormals come out as +0 (XLA:CPU's
  # GEMM flushes subnormals), which no training step can tell apart.
  odd = np.array([[-0.0, 1e-39, -1e-40]], np.float32)
  out = np.asarray(gemm_copy.gemm_copy(odd))
  assert np.all(out == 0) and not np.any(np.signbit(out))


def test_gradient_passes_straight_through():
  x = jnp.arange(2 * 3 * 16, dtype=jnp.float32).reshape(2, 3, 16)
  g = jax.grad(lambda x: jnp.sum(jnp.sin(gemm_copy.gemm_copy(x))))(x)
  np.testing.assert_allclose(g, jnp.cos(x), rtol=1e-6)


def test_it_is_a_dot_in_the_compiled_program():
  # The point of the op: XLA may not fuse the producer into the consumer.
  hlo = (
      jax.jit(lambda x: gemm_copy.gemm_copy(jax.nn.relu(x)) * 2)
      .lower(jnp.ones((4, 4, 4, 16)))
      .compile()
      .as_text()
  )
  assert ' dot(' in hlo or 'dot_general' in hlo or '__onednn' in hlo, hlo


def test_worth_copy_by_channels():
  assert gemm_copy.worth_copy(jnp.ones((2, 8, 8, 64)))
  assert gemm_copy.worth_copy(jnp.ones((2, 8, 8, 128)))
  assert not gemm_copy.worth_copy(jnp.ones((2, 8, 8, 256)))
  assert not gemm_copy.worth_copy(jnp.ones((2, 8, 8, 3)))  # images
  assert not gemm_copy.worth_copy(jnp.ones((8, 64)))


@pytest.mark.parametrize('block', ['basic', 'bottleneck'])
def test_resnet_impls_agree(block):
  # impl='gemm' (GEMM BN sums + GEMM copies) vs impl='xla' (plain XLA ops):
  # the same variables, logits, updated BN statistics and gradients.
  x = jnp.asarray(np.random.default_rng(1).normal(size=(4, 32, 32, 3)), jnp.float32)
  kw = dict(stage_sizes=(1, 1), block=block, num_classes=5, width=16, stem='cifar')
  gemm, xla = resnet.ResNet(impl='gemm', **kw), resnet.ResNet(impl='xla', **kw)
  v = gemm.init(jax.random.key(0), x)
  assert jax.tree.map(jnp.shape, v) == jax.tree.map(jnp.shape, xla.init(jax.random.key(0), x))

  def run(model):
    def loss(params):
      out, upd = model.apply({**v, 'params': params}, x, train=True, mutable=['batch_stats'])
      return jnp.sum(out**2), (out, upd)

    return jax.grad(loss, has_aux=True)(v['params'])

  (g1, (o1, u1)), (g2, (o2, u2)) = run(gemm), run(xla)
  np.testing.assert_allclose(o1, o2, rtol=1e-4, atol=1e-4)
  for a, b in zip(jax.tree.leaves((u1, g1)), jax.tree.leaves((u2, g2))):
    np.testing.assert_allclose(a, b, rtol=2e-3, atol=2e-4)
