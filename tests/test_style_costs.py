"""Style-transfer costs (notes 4.14.1) against numpy loops and analytic facts."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.style import costs


def _acts(seed, shape=(3, 4, 5)):
  return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def test_gram_matrix_matches_loops():
  a = _acts(0)
  n_h, n_w, n_c = a.shape
  ref = np.zeros((n_c, n_c))
  for k in range(n_c):
    for kk in range(n_c):
      ref[k, kk] = sum(a[i, j, k] * a[i, j, kk] for i in range(n_h) for j in range(n_w))
  g = costs.gram_matrix(jnp.asarray(a))
  np.testing.assert_allclose(g, ref, rtol=1e-5, atol=1e-5)
  np.testing.assert_allclose(g, g.T)
  # Batched input gives one Gram per example.
  gb = costs.gram_matrix(jnp.stack([a, 2 * a]))
  np.testing.assert_allclose(gb[1], 4 * ref, rtol=1e-5, atol=1e-4)


def test_content_cost_formula_and_gradient():
  a_c, a_g = _acts(1), _acts(2)
  n = a_c.size
  ref = np.sum((a_c.astype(np.float64) - a_g) ** 2) / (4 * n)
  np.testing.assert_allclose(costs.content_cost(a_c, a_g), ref, rtol=1e-5)
  assert float(costs.content_cost(a_c, a_c)) == 0.0
  grad = jax.grad(lambda g: costs.content_cost(jnp.asarray(a_c), g))(jnp.asarray(a_g))
  np.testing.assert_allclose(grad, (a_g - a_c) / (2 * n), rtol=1e-5, atol=1e-7)


def test_layer_style_cost_formula():
  a_s, a_g = _acts(3), _acts(4)
  n_h, n_w, n_c = a_s.shape
  gs = np.einsum('hwk,hwl->kl', a_s.astype(np.float64), a_s)
  gg = np.einsum('hwk,hwl->kl', a_g.astype(np.float64), a_g)
  ref = np.sum((gs - gg) ** 2) / (2 * n_h * n_w * n_c) ** 2
  np.testing.assert_allclose(costs.layer_style_cost(a_s, a_g), ref, rtol=1e-5)
  np.testing.assert_allclose(
      costs.layer_style_cost_from_gram(jnp.asarray(gs, jnp.float32), a_g), ref, rtol=1e-5
  )


def test_style_ignores_where_features_are_content_does_not():
  # The Gram sums over positions, so permuting pixels keeps the style cost.
  a = _acts(5, (4, 4, 3))
  perm = np.random.default_rng(0).permutation(16)
  shuffled = a.reshape(16, 3)[perm].reshape(4, 4, 3)
  np.testing.assert_allclose(costs.layer_style_cost(a, shuffled), 0.0, atol=1e-6)
  assert float(costs.content_cost(a, shuffled)) > 0.1


def test_style_cost_weighted_sum_over_layers():
  fs = {'conv1_1': _acts(6), 'conv2_1': _acts(7, (2, 2, 6))}
  fg = {'conv1_1': _acts(8), 'conv2_1': _acts(9, (2, 2, 6))}
  w = {'conv1_1': 0.3, 'conv2_1': 0.7}
  ref = sum(w[l] * float(costs.layer_style_cost(fs[l], fg[l])) for l in w)
  np.testing.assert_allclose(costs.style_cost(fs, fg, w), ref, rtol=1e-6)
  grams = {l: costs.gram_matrix(v) for l, v in fs.items()}
  np.testing.assert_allclose(costs.style_cost(grams, fg, w, precomputed_grams=True), ref, rtol=1e-6)
  with pytest.raises(ValueError, match='conv5_1'):
    costs.style_cost(fs, fg, {'conv5_1': 1.0})
  with pytest.raises(ValueError, match='at least one'):
    costs.style_cost(fs, fg, {})


def test_total_variation_matches_loops():
  x = _acts(10, (5, 6, 2))
  ref = 0.0
  for i in range(5):
    for j in range(6):
      if i + 1 < 5:
        ref += np.sum((x[i + 1, j] - x[i, j]) ** 2)
      if j + 1 < 6:
        ref += np.sum((x[i, j + 1] - x[i, j]) ** 2)
  np.testing.assert_allclose(costs.total_variation(x), ref, rtol=1e-5)
  assert float(costs.total_variation(np.full((4, 4, 3), 0.7, np.float32))) == 0.0


def test_total_cost_and_errors():
  np.testing.assert_allclose(costs.total_cost(2.0, 3.0), 10 * 2 + 40 * 3)
  np.testing.assert_allclose(costs.total_cost(2.0, 3.0, 1.0, 2.0, tv=5.0, tv_weight=0.1), 8.5)
  with pytest.raises(ValueError, match='alpha'):
    costs.total_cost(1.0, 1.0, alpha=-1.0)
  with pytest.raises(ValueError, match='same shape'):
    costs.content_cost(_acts(0), _acts(0, (3, 4, 6)))
  with pytest.raises(ValueError, match='n_H, n_W, n_C'):
    costs.gram_matrix(jnp.zeros((4, 5)))
