"""Localisation target and "don't care" loss (notes 4.11.1) against a numpy formula."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.detection import localization as L


def _np_loss(out, y):
  sig = 1 / (1 + np.exp(-out[0]))
  obj = -(y[0] * np.log(sig) + (1 - y[0]) * np.log(1 - sig))
  if y[0] == 0:
    return obj
  logp = out[5:] - np.log(np.sum(np.exp(out[5:])))
  return obj + np.sum((out[1:5] - y[1:5]) ** 2) - np.sum(y[5:] * logp)


def test_target_layout():
  # centre box (x, y, w, h) = (0.5, 0.7, 0.3, 0.4), class 2 of 3 -> [1, bx, by, bh, bw, 0, 0, 1]
  y = L.make_target(np.array([1, 0]), np.array([[0.5, 0.7, 0.3, 0.4]] * 2), np.array([2, 1]), 3)
  np.testing.assert_allclose(y[0], [1, 0.5, 0.7, 0.4, 0.3, 0, 0, 1], atol=1e-7)
  np.testing.assert_allclose(y[1], [0] * 8)  # empty image: only p_c = 0 is meaningful


def test_loss_matches_formula():
  rng = np.random.default_rng(0)
  has = np.array([1, 0, 1, 0])
  y = np.asarray(L.make_target(has, rng.uniform(0, 1, (4, 4)), rng.integers(0, 3, 4), 3))
  out = rng.normal(size=(4, 8)).astype(np.float32)
  np.testing.assert_allclose(L.loss(out, y), [_np_loss(o, t) for o, t in zip(out, y)], rtol=1e-5)


def test_dont_care_gradient_is_zero():
  rng = np.random.default_rng(1)
  y = L.make_target(np.array([0.0]), np.zeros((1, 4)), np.array([0]), 4)
  out = jnp.asarray(rng.normal(size=(1, 9)), jnp.float32)
  g = jax.grad(lambda o: L.loss(o, y).sum())(out)
  assert float(g[0, 0]) != 0.0
  np.testing.assert_array_equal(g[0, 1:], 0.0)


def test_descent_recovers_box_and_class():
  y = L.make_target(np.array([1.0]), np.array([[0.3, 0.6, 0.2, 0.5]]), np.array([1]), 3)
  out = jnp.zeros((1, 8))
  grad = jax.jit(jax.grad(lambda o: L.loss(o, y).sum()))
  for _ in range(300):
    out = out - 0.5 * grad(out)
  p, box, cls = L.predict(out)
  assert float(p[0]) > 0.95 and int(cls[0]) == 1
  np.testing.assert_allclose(box[0], [0.3, 0.6, 0.2, 0.5], atol=1e-3)


def test_bad_inputs():
  with pytest.raises(ValueError, match='same shape'):
    L.loss(np.zeros((2, 8)), np.zeros((2, 7)))
  with pytest.raises(ValueError, match='num_classes'):
    L.make_target(np.ones(1), np.zeros((1, 4)), np.zeros(1, int), 0)
