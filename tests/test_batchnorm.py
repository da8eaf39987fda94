"""Batch normalisation in the core's MLP / CNN (notes 2.12) vs numpy.

Training mode: each channel of z is normalised over (batch, height, width)
with the batch's own mean and variance, then scaled by gamma and shifted by
beta. Evaluation: the running averages (momentum 0.9) replace them. With the
batch sharded over 8 devices the statistics are those of the global batch.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.data.normalize import identity_stats
from jaxdl.models.cnn import SmallCNN
from jaxdl.models.mlp import MLP
from jaxdl.parallel import mesh as mesh_lib
from jaxdl.train import steps as steps_lib
from jaxdl.train.state import create_train_state
from jaxdl.train.task import classification_task

EPS = 1e-5  # flax BatchNorm default epsilon


def _images(b=8, h=6, w=6, c=1, seed=0):
  return jax.random.uniform(jax.random.key(seed), (b, h, w, c)) * 3.0 + 1.0


@pytest.mark.parametrize("position", ["before", "after"])
def test_nhwc_training_statistics_per_channel(position):
  model = SmallCNN(num_classes=3, features=(5,), dense=4, batchnorm=True, bn_position=position)
  x = _images()
  variables = model.init(jax.random.key(0), x, train=False)
  _, state = model.apply(
      variables, x, train=True, mutable=["batch_stats", "intermediates"], capture_intermediates=True
  )
  inter = state["intermediates"]
  z = np.asarray(inter["conv0"]["__call__"][0], np.float64)
  if position == "after":
    z = np.maximum(z, 0.0)
  out = np.asarray(inter["bn0"]["__call__"][0], np.float64)
  mean, var = z.mean(axis=(0, 1, 2)), z.var(axis=(0, 1, 2))
  # gamma = 1, beta = 0 at init: mean 0, variance 1 over (B, H, W) - for
  # every channel that varies (a ReLU channel can be all zero, 'after').
  live = var > 1e-3
  assert live.sum() >= 3
  np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0.0, atol=1e-5)
  np.testing.assert_allclose(out.var(axis=(0, 1, 2))[live], 1.0, atol=1e-3)
  np.testing.assert_allclose(out, (z - mean) / np.sqrt(var + EPS), rtol=1e-4, atol=1e-4)
  # Running averages after one step with momentum 0.9 (flax: biased var).
  stats = state["batch_stats"]["bn0"]
  np.testing.assert_allclose(stats["mean"], 0.1 * mean, rtol=1e-4, atol=1e-6)
  np.testing.assert_allclose(stats["var"], 0.9 + 0.1 * var, rtol=1e-4)


def test_evaluation_uses_running_statistics_and_gamma_beta_learn():
  model = MLP(num_classes=3, hidden=(4,), batchnorm=True)
  x = jax.random.normal(jax.random.key(1), (16, 5)) * 2.0 + 3.0
  variables = model.init(jax.random.key(0), x, train=False)
  params = variables["params"]
  params["bn0"]["scale"] = jnp.array([1.5, 0.5, 2.0, 1.0])
  params["bn0"]["bias"] = jnp.array([0.1, -0.2, 0.0, 0.3])
  stats = {
      "bn0": {"mean": jnp.array([1.0, -1.0, 0.5, 0.0]), "var": jnp.array([4.0, 1.0, 0.25, 9.0])}
  }
  _, inter = model.apply(
      {"params": params, "batch_stats": stats},
      x,
      train=False,
      capture_intermediates=True,
      mutable=["intermediates"],
  )
  z = np.asarray(inter["intermediates"]["dense0"]["__call__"][0])
  got = np.asarray(inter["intermediates"]["bn0"]["__call__"][0])
  want = (z - np.asarray(stats["bn0"]["mean"])) / np.sqrt(
      np.asarray(stats["bn0"]["var"]) + EPS
  ) * np.asarray(params["bn0"]["scale"]) + np.asarray(params["bn0"]["bias"])
  np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
  # Evaluation is deterministic in the batch: one example alone gives the
  # same output as inside the batch (no batch statistics involved).
  single = model.apply({"params": params, "batch_stats": stats}, x[:1], train=False)
  full = model.apply({"params": params, "batch_stats": stats}, x, train=False)
  np.testing.assert_allclose(single, full[:1], rtol=1e-5, atol=1e-6)

  # gamma (scale) and beta (bias) are parameters with non-zero gradients.
  def loss(p):
    out, _ = model.apply(
        {"params": p, "batch_stats": stats}, x, train=True, mutable=["batch_stats"]
    )
    return optax.softmax_cross_entropy_with_integer_labels(out, jnp.arange(16) % 3).mean()

  grads = jax.grad(loss)(params)["bn0"]
  assert np.all(np.abs(np.asarray(grads["scale"])) > 0)
  assert np.all(np.abs(np.asarray(grads["bias"])) > 0)


@pytest.mark.parametrize("num_devices", [1, 8])
def test_statistics_are_those_of_the_global_batch(num_devices):
  if jax.device_count() < num_devices:
    pytest.skip(f"needs {num_devices} devices")
  model = MLP(num_classes=3, hidden=(6,), batchnorm=True)
  rng = np.random.default_rng(0)
  # Each device's 2 rows have a very different mean. Averaging per-device
  # means would still give the global mean (equal shards), but averaging
  # per-device variances would miss the spread between shards: the var
  # check is the one that tells global-batch statistics apart.
  x = (rng.normal(size=(16, 5)) + np.repeat(np.arange(8), 2)[:, None] * 3.0).astype(np.float32)
  y = (np.arange(16) % 3).astype(np.int32)
  mesh = mesh_lib.make_mesh(num_devices)
  task = classification_task(3, input_key="x")
  state = jax.jit(
      lambda r: create_train_state(model, optax.sgd(0.1), jnp.zeros((1, 5)), r, identity_stats(5)),
      out_shardings=mesh_lib.replicated(mesh),
  )(jax.random.key(0))
  w = np.asarray(state.params["dense0"]["kernel"], np.float64)
  # The core drops the bias before BN (beta replaces it), so z = x W.
  b = np.asarray(state.params["dense0"].get("bias", 0.0), np.float64)
  train_fn = steps_lib.jit_train_step(mesh, task=task)
  state, _ = train_fn(state, mesh_lib.shard_batch({"x": x, "label": y}, mesh))
  z = x.astype(np.float64) @ w + b
  np.testing.assert_allclose(
      state.batch_stats["bn0"]["mean"], 0.1 * z.mean(0), rtol=1e-4, atol=1e-5
  )
  np.testing.assert_allclose(state.batch_stats["bn0"]["var"], 0.9 + 0.1 * z.var(0), rtol=1e-4)
