"""Tests for jaxdl.regularization L2 cost and decoupled weight decay (notes 2.3.1)."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl import regularization as reg


class _Net(nn.Module):
  """Dense -> BatchNorm -> Dense, so params hold kernels, biases, BN scale."""

  @nn.compact
  def __call__(self, x, train=True):
    x = nn.Dense(5)(x)
    x = nn.BatchNorm(use_running_average=not train)(x)
    return nn.Dense(3)(nn.relu(x))


def _params():
  variables = _Net().init(jax.random.key(0), jnp.ones((4, 6)))
  # Non-zero biases / BN params so that wrongly including them would show.
  return jax.tree_util.tree_map(lambda p: p + 0.5, variables["params"])


def test_kernel_mask_selects_weight_matrices_only():
  mask = reg.kernel_mask(_params())
  assert mask["Dense_0"]["kernel"] and mask["Dense_1"]["kernel"]
  assert not mask["Dense_0"]["bias"] and not mask["Dense_1"]["bias"]
  assert not mask["BatchNorm_0"]["scale"] and not mask["BatchNorm_0"]["bias"]


def test_l2_cost_matches_notes_formula():
  params = _params()
  w1 = np.asarray(params["Dense_0"]["kernel"])
  w2 = np.asarray(params["Dense_1"]["kernel"])
  lambd, m = 0.7, 32
  expected = lambd * (np.sum(np.square(w1)) + np.sum(np.square(w2))) / (2 * m)
  np.testing.assert_allclose(reg.l2_cost(params, lambd, m), expected, rtol=1e-6)


def _loss(params, x, y):
  return jnp.mean((x @ params["Dense_0"]["kernel"] + params["Dense_0"]["bias"] - y) ** 2)


def test_sgd_l2_equals_decoupled_decay():
  """SGD on J + lambda/(2m)|W|^2: W <- W - a(dW + (lambda/m) W)
  = W - a dW - a (lambda/m) W, which is decoupled decay with rate lambda/m."""
  params = {
      "Dense_0": {"kernel": jax.random.normal(jax.random.key(1), (6, 5)), "bias": jnp.ones(5)}
  }
  x = jax.random.normal(jax.random.key(2), (16, 6))
  y = jax.random.normal(jax.random.key(3), (16, 5))
  lambd, m, lr = 3.0, 16, 0.1

  coupled = optax.sgd(lr)
  decoupled = optax.chain(
      optax.sgd(lr), reg.decoupled_weight_decay(reg.l2_equivalent_rate(lambd, m), lr)
  )
  p1, p2 = params, params
  s1, s2 = coupled.init(p1), decoupled.init(p2)
  for _ in range(5):
    g1 = jax.grad(lambda p: _loss(p, x, y) + reg.l2_cost(p, lambd, m))(p1)
    u1, s1 = coupled.update(g1, s1, p1)
    p1 = optax.apply_updates(p1, u1)
    g2 = jax.grad(_loss)(p2, x, y)
    u2, s2 = decoupled.update(g2, s2, p2)
    p2 = optax.apply_updates(p2, u2)
  jax.tree_util.tree_map(
      lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6), p1, p2
  )
  # Hand form of one step from the initial point, numpy.
  w = np.asarray(params["Dense_0"]["kernel"])
  dw = np.asarray(jax.grad(_loss)(params, x, y)["Dense_0"]["kernel"])
  u, _ = decoupled.update(jax.grad(_loss)(params, x, y), decoupled.init(params), params)
  np.testing.assert_allclose(
      w + np.asarray(u["Dense_0"]["kernel"]), (1 - lr * lambd / m) * w - lr * dw, rtol=1e-5
  )
  # Bias gets no decay.
  db = np.asarray(jax.grad(_loss)(params, x, y)["Dense_0"]["bias"])
  np.testing.assert_allclose(np.asarray(u["Dense_0"]["bias"]), -lr * db, rtol=1e-6)


def test_adam_l2_differs_from_decoupled_decay():
  params = {"kernel": jnp.full((3, 3), 2.0)}
  grads = {"kernel": jnp.full((3, 3), 1e-3)}
  lr, rate = 0.1, 0.5
  l2_grads = {"kernel": grads["kernel"] + rate * params["kernel"]}
  u_l2, _ = optax.adam(lr).update(l2_grads, optax.adam(lr).init(params))
  tx = optax.chain(optax.adam(lr), reg.decoupled_weight_decay(rate, lr))
  u_dec, _ = tx.update(grads, tx.init(params), params)
  # Adam normalises the L2 gradient away (|u| ~ lr); decoupled adds lr*rate*W.
  np.testing.assert_allclose(u_l2["kernel"], -lr, rtol=1e-3)
  np.testing.assert_allclose(u_dec["kernel"], -lr - lr * rate * 2.0, rtol=1e-3)


def test_decay_follows_schedule():
  params = {"kernel": jnp.ones(2)}
  schedule = lambda step: 0.1 / (1.0 + step)
  tx = reg.decoupled_weight_decay(1.0, schedule)
  state = tx.init(params)
  zeros = {"kernel": jnp.zeros(2)}
  u0, state = tx.update(zeros, state, params)
  u1, _ = tx.update(zeros, state, params)
  np.testing.assert_allclose(u0["kernel"], -0.1)
  np.testing.assert_allclose(u1["kernel"], -0.05)


def test_bad_arguments_raise():
  with pytest.raises(ValueError, match="lambd"):
    reg.l2_cost(_params(), -1.0, 4)
  with pytest.raises(ValueError, match="num_examples"):
    reg.l2_cost(_params(), 1.0, 0)
  with pytest.raises(ValueError, match="rate"):
    reg.decoupled_weight_decay(-0.1, 0.1)
