"""Hyper-parameter search (notes 2.10-2.11) and vectorised trials."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl import hparam
from jaxdl.hparam import search
from jaxdl.hparam import vectorized


def test_log_scale_learning_rate_as_in_notes():
  """r = -4 * rand(); lr = 10**r: every decade gets a quarter of the trials."""
  lr = hparam.LogUniform(1e-4, 1.0).from_unit(np.random.default_rng(0).uniform(size=20000))
  counts = np.histogram(np.log10(lr), bins=[-4, -3, -2, -1, 0])[0] / 20000
  np.testing.assert_allclose(counts, 0.25, atol=0.015)
  # Uniform sampling of the same range puts ~90 % above 0.1 (the notes' point).
  uni = hparam.Uniform(1e-4, 1.0).from_unit(np.random.default_rng(0).uniform(size=20000))
  assert abs(np.mean(uni > 0.1) - 0.9) < 0.01


def test_beta_scale_and_round_trips():
  beta = hparam.OneMinusLogUniform(0.9, 0.999)
  u = np.linspace(0, 1, 5)
  # 1 - beta runs over 1e-1 .. 1e-3 evenly in log10.
  np.testing.assert_allclose(np.log10(1 - beta.from_unit(u)), np.linspace(-1, -3, 5), atol=1e-9)
  for space in (beta, hparam.LogUniform(1e-3, 10), hparam.Uniform(-1, 3)):
    np.testing.assert_allclose(space.to_unit(space.from_unit(u)), u, atol=1e-9)
  ints = hparam.IntUniform(2, 5).from_unit(np.random.default_rng(1).uniform(size=8000))
  np.testing.assert_allclose(np.bincount(ints)[2:] / 8000, 0.25, atol=0.02)
  assert set(hparam.Choice(("relu", "tanh")).from_unit(np.linspace(0, 1, 9)).tolist()) == {
      "relu",
      "tanh",
  }


def test_random_tries_more_distinct_values_than_grid():
  space = {"lr": hparam.LogUniform(1e-4, 1.0), "eps": hparam.Uniform(0, 1)}
  grid = hparam.grid_search_points(space, 25)
  rand = hparam.random_search_points(space, 25, seed=0)
  assert len(grid["lr"]) == 25
  assert len(np.unique(grid["lr"])) == 5
  assert len(np.unique(rand["lr"])) == 25
  # Grid values sit at cell centres on the log scale: 10^(-4 + 4 (i+.5)/5).
  np.testing.assert_allclose(np.unique(grid["lr"]), 10 ** (-4 + 4 * (np.arange(5) + 0.5) / 5))


def test_coarse_to_fine_zooms_on_the_optimum():
  space = {"lr": hparam.LogUniform(1e-5, 1.0), "beta": hparam.OneMinusLogUniform(0.8, 0.9999)}

  def objective(p):  # best at lr = 10^-2.5, beta = 0.99; beta barely matters
    return (np.log10(p["lr"]) + 2.5) ** 2 + 0.01 * (np.log10(1 - p["beta"]) + 2) ** 2

  history = hparam.coarse_to_fine(objective, space, rounds=3, trials_per_round=20, seed=1)
  widths = [np.log10(r.space["lr"].high / r.space["lr"].low) for r in history]
  assert widths[0] == pytest.approx(5.0)
  assert widths[2] < widths[1] < widths[0]
  assert history[-1].space["lr"].low < 10**-2.5 < history[-1].space["lr"].high
  assert history[-1].scores.min() <= history[0].scores.min()
  best, score = search.best_trial(history)
  assert abs(np.log10(best["lr"]) + 2.5) < 0.1 and score < 0.01


class _TinyMLP(nn.Module):

  @nn.compact
  def __call__(self, x):
    return nn.Dense(3)(nn.tanh(nn.Dense(6)(x)))


def _data(n=32):
  rng = np.random.default_rng(0)
  x = rng.normal(size=(n, 4)).astype(np.float32)
  y = (x[:, 0] > 0).astype(np.int32) + (x[:, 1] > 0.5).astype(np.int32)
  return {"x": x, "y": y}


@jax.jit
def _sequential_step(params, state, x, y, lr, l2):
  """One ordinary optax Adam step with the L2 cost (lr, l2 traced scalars)."""
  model = _TinyMLP()

  def objective(p):
    logits = model.apply({"params": p}, x)
    loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
    squares = sum(jnp.sum(w**2) for w in (p["Dense_0"]["kernel"], p["Dense_1"]["kernel"]))
    return loss + l2 * squares / (2 * x.shape[0])

  tx = optax.adam(lr)
  updates, state = tx.update(jax.grad(objective)(params), state, params)
  return optax.apply_updates(params, updates), state


def _sequential(lr, l2, steps, batch):
  """Reference: one ordinary optax loop per trial, on the same batches."""
  model, data = _TinyMLP(), _data()
  params = model.init(jax.random.key(0), data["x"][:1])["params"]
  state = optax.adam(lr).init(params)
  for x, y in batch:
    params, state = _sequential_step(params, state, x, y, lr, l2)
  return params


def test_vectorised_trials_equal_separate_runs_and_shard_over_devices():
  k, steps, bs = 8, 4, 16
  data = _data()
  lrs = np.geomspace(1e-3, 0.3, k).astype(np.float32)
  l2s = np.linspace(0.0, 2.0, k).astype(np.float32)
  trials = vectorized.make_trials(
      _TinyMLP(), data["x"][:1], optax.adam, ["learning_rate", "l2"], num_trials=k
  )
  hp = {"learning_rate": jnp.asarray(lrs), "l2": jnp.asarray(l2s)}
  params, state = trials.init(0, hp)
  batches = [(data["x"][i * bs % 32 :][:bs], data["y"][i * bs % 32 :][:bs]) for i in range(steps)]
  for x, y in batches:
    params, state, _ = trials.step(params, state, hp, x, y)
  assert trials.step._cache_size() == 1  # one compile for all steps
  kernel = params["Dense_0"]["kernel"]
  assert kernel.shape[0] == k
  assert len(kernel.sharding.device_set) == min(8, jax.device_count())
  for i in (0, 3, 7):
    ref = _sequential(float(lrs[i]), float(l2s[i]), steps, batches)
    # float32; Adam's g / sqrt(s) magnifies rounding in near-zero gradients,
    # so the bound is on the parameters' absolute error after 4 steps of
    # size up to lr = 0.3.
    jax.tree_util.tree_map(
        lambda a, b: np.testing.assert_allclose(a[i], b, rtol=1e-4, atol=2e-5), params, ref
    )


def test_train_trials_reports_per_trial_results():
  data = _data()
  result = vectorized.train_trials(
      _TinyMLP(),
      data,
      data,
      optax.sgd,
      {"learning_rate": np.array([0.0, 0.5, 0.5, 0.5])},
      num_steps=30,
      batch_size=16,
  )
  assert result.train_loss.shape == (30, 4)
  assert result.dev_error.shape == (4,)
  # lr = 0 never moves; identical hparams give identical trials.
  np.testing.assert_allclose(result.train_loss[:, 0][::2], result.train_loss[0, 0], rtol=0.5)
  np.testing.assert_allclose(result.dev_loss[1:], result.dev_loss[1], rtol=1e-6)
  assert result.dev_loss[1] < result.dev_loss[0]


def test_bad_inputs_raise():
  with pytest.raises(ValueError, match="low > 0"):
    hparam.LogUniform(0.0, 1.0)
  with pytest.raises(ValueError, match="low < high"):
    hparam.Uniform(1.0, 1.0)
  with pytest.raises(ValueError, match="num_trials"):
    hparam.random_search_points({"a": hparam.Uniform(0, 1)}, 0, 0)
  with pytest.raises(ValueError, match="spaces"):
    hparam.random_search_points({"a": (0, 1)}, 3, 0)
  with pytest.raises(ValueError, match="neither"):
    vectorized.make_trials(
        _TinyMLP(), np.zeros((1, 4)), optax.adam, ["learning_rate", "dropout"], num_trials=2
    )
  with pytest.raises(ValueError, match="same number"):
    vectorized.train_trials(
        _TinyMLP(),
        _data(),
        _data(),
        optax.adam,
        {"learning_rate": [0.1, 0.2], "b1": [0.9]},
        num_steps=1,
        batch_size=4,
    )
