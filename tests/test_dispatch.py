"""The in-flight bound that keeps XLA:CPU collectives from deadlocking."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.models.cnn import SmallCNN
from jaxdl.parallel import mesh as mesh_lib
from jaxdl.parallel.dispatch import DispatchLimiter
from jaxdl.train.state import create_train_state
from jaxdl.train.steps import jit_train_step
from jaxdl.train.task import classification_task


def test_limiter_keeps_at_most_max_pending_and_waits_for_the_oldest():
  limiter = DispatchLimiter(max_in_flight=3)
  outputs = [jnp.full((4,), i) * 2 for i in range(10)]
  for out in outputs:
    limiter(out)
    assert len(limiter._pending) <= 3
  assert [int(x[0]) for x in limiter._pending] == [14, 16, 18]  # the newest three
  with pytest.raises(ValueError, match='max_in_flight'):
    DispatchLimiter(0)


def test_many_steps_with_collectives_on_8_devices_complete():
  """60 queued SmallCNN steps on 8 simulated devices aborted XLA (rendezvous
  timeout) before the bound; jit_train_step's BoundedStep runs them all."""
  mesh = mesh_lib.make_mesh(8)
  init = jax.jit(
      functools.partial(create_train_state, SmallCNN(10), optax.adam(1e-3)),
      out_shardings=mesh_lib.replicated(mesh),
  )
  state = init(
      jnp.zeros((1, 32, 32, 1)),
      jax.random.key(0),
      {'mean': np.zeros(1, np.float32), 'std': np.ones(1, np.float32)},
  )
  step = jit_train_step(mesh, task=classification_task(10))
  rng = np.random.default_rng(0)
  batch = mesh_lib.shard_batch(
      {
          'image': rng.random((128, 32, 32, 1), np.float32),
          'label': rng.integers(0, 10, 128).astype(np.int32),
      },
      mesh,
  )
  for _ in range(60):  # a plain user loop: the bound lives inside the step
    state, metrics = step(state, batch)
  assert int(jax.device_get(state.step)) == 60


def test_many_eval_steps_on_8_devices_complete():
  """The eval loop over a large split queues one sharded step per batch."""
  from jaxdl.train.loop import evaluate
  from jaxdl.train.steps import jit_eval_step

  mesh = mesh_lib.make_mesh(8)
  init = jax.jit(
      functools.partial(create_train_state, SmallCNN(10), optax.adam(1e-3)),
      out_shardings=mesh_lib.replicated(mesh),
  )
  state = init(
      jnp.zeros((1, 32, 32, 1)),
      jax.random.key(0),
      {'mean': np.zeros(1, np.float32), 'std': np.ones(1, np.float32)},
  )
  rng = np.random.default_rng(0)
  n = 128 * 60 + 5
  split = {
      'image': rng.random((n, 32, 32, 1), np.float32),
      'label': rng.integers(0, 10, n).astype(np.int32),
  }
  metrics = evaluate(state, split, jit_eval_step(mesh, task=classification_task(10)), mesh, 128)
  assert 0.0 <= metrics['error'] <= 1.0
