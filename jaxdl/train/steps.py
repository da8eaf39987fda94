"""Pure train and eval steps, and their data-parallel jit.

``train_step(state, batch) -> (state, metrics)`` and
``eval_step(state, batch) -> metrics`` are plain functions of arrays; the
task, the augmentation and the mesh are bound with ``functools.partial`` and
``jax.jit`` where they are used. Per-step randomness is
``fold_in(state.rng, state.step)``, so a resumed run draws the same numbers.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import jax
import jax.numpy as jnp
from jax.sharding import Mesh

from jaxdl.data.normalize import normalize, to_unit_float
from jaxdl.parallel.dispatch import MAX_IN_FLIGHT, DispatchLimiter
from jaxdl.parallel.mesh import data_sharded, replicated
from jaxdl.train import precision
from jaxdl.train.state import TrainState
from jaxdl.train.task import Task

AugmentFn = Callable[[dict, jax.Array], dict]  # (batch, rng) -> batch


def _model_inputs(state: TrainState, batch: dict, task: Task):
  x = to_unit_float(batch[task.input_key])
  return normalize(x, state.input_stats) if task.normalize_input else x


def _unit_float_inputs(batch: dict, task: Task) -> dict:
  # Images travel as uint8 (a quarter of float32's bytes) until here.
  return {**batch, task.input_key: to_unit_float(batch[task.input_key])}


def train_step(
    state: TrainState, batch: dict, *, task: Task, augment_fn: AugmentFn | None = None
) -> tuple[TrainState, dict]:
  """One optimizer step on a (global) batch.

  Returns:
    (new state, metrics): the task's (sum, count) pairs plus 'objective'
    (loss + regulariser, a scalar used for the NaN check).
  """
  rng = jax.random.fold_in(state.rng, state.step)
  aug_rng, dropout_rng = jax.random.split(rng)
  if augment_fn is not None:
    batch = augment_fn(_unit_float_inputs(batch, task), aug_rng)  # on the device
  inputs = _model_inputs(state, batch, task)
  has_bn = bool(jax.tree.leaves(state.batch_stats))
  scale = state.loss_scale  # float16 runs only

  def objective(params):
    variables = (
        {'params': params, 'batch_stats': state.batch_stats} if has_bn else {'params': params}
    )
    outputs, updates = state.apply_fn(
        variables,
        inputs,
        train=True,
        rngs={'dropout': dropout_rng},
        mutable=['batch_stats'] if has_bn else [],
    )
    # Losses and metrics in float32 whatever the computation dtype.
    loss, metrics = task.loss_fn(precision.to_float32(outputs), batch)
    total = loss if task.regularizer is None else loss + task.regularizer(params, batch)
    differentiated = total if scale is None else scale.scale_loss(total)
    return differentiated, (total, metrics, updates)

  (_, (total, metrics, updates)), grads = jax.value_and_grad(objective, has_aux=True)(state.params)
  if scale is None:
    new_state = state.apply_gradients(grads=grads)
    if has_bn:
      new_state = new_state.replace(batch_stats=updates['batch_stats'])
    return new_state, {**metrics, 'objective': (total, jnp.ones_like(total))}
  grads = scale.unscale(grads)
  finite = precision.all_finite(grads)
  new_state = state.apply_gradients(grads=grads)
  if has_bn:
    new_state = new_state.replace(batch_stats=updates['batch_stats'])
  # A step whose gradients overflowed keeps the old parameters, optimizer
  # state and statistics, but still counts (the data and the RNG move on).
  kept = precision.select_tree(
      finite,
      (new_state.params, new_state.opt_state, new_state.batch_stats),
      (state.params, state.opt_state, state.batch_stats),
  )
  new_state = new_state.replace(
      params=kept[0], opt_state=kept[1], batch_stats=kept[2], loss_scale=scale.adjust(finite)
  )
  one = jnp.ones_like(total)
  return new_state, {
      **metrics,
      'objective': (total, one),
      'loss_scale': (scale.scale, one),
      'skipped_steps': (1.0 - finite.astype(jnp.float32), one),
  }


def eval_step(state: TrainState, batch: dict, *, task: Task) -> dict:
  """Metrics of the model in evaluation mode (running BN averages, no dropout)."""
  variables = {'params': state.params}
  if jax.tree.leaves(state.batch_stats):
    variables['batch_stats'] = state.batch_stats
  outputs = state.apply_fn(variables, _model_inputs(state, batch, task), train=False)
  return task.loss_fn(precision.to_float32(outputs), batch)[1]


def predict(state: TrainState, inputs: jax.Array, *, task: Task) -> Any:
  """Model outputs in evaluation mode for raw (un-normalised) inputs."""
  variables = {'params': state.params}
  if jax.tree.leaves(state.batch_stats):
    variables['batch_stats'] = state.batch_stats
  return state.apply_fn(
      variables, _model_inputs(state, {task.input_key: inputs}, task), train=False
  )


def jit_train_step(
    mesh: Mesh, *, task: Task, augment_fn: AugmentFn | None = None, state_sharding: Any = None
):
  """train_step compiled for the mesh: batch sharded, state donated.

  The state keeps ``state_sharding`` (a pytree of NamedShardings, e.g.
  jaxdl.parallel.sharding.state_shardings) in and out; None: replicated.
  The returned callable bounds how many of its calls may be unfinished at
  once (jaxdl.parallel.dispatch), so a plain Python loop over it cannot queue
  enough collectives to deadlock XLA:CPU's simulated devices.
  """
  repl = replicated(mesh)
  state_sh = repl if state_sharding is None else state_sharding
  step = jax.jit(
      functools.partial(train_step, task=task, augment_fn=augment_fn),
      in_shardings=(state_sh, data_sharded(mesh)),
      out_shardings=(state_sh, repl),
      donate_argnums=0,
  )
  return BoundedStep(step)


class BoundedStep:
  """A jitted step whose calls wait when too many are still running.

  Attribute access (``lower``, ``eval_shape``, ...) goes to the jitted function.
  """

  def __init__(self, jitted, max_in_flight: int = MAX_IN_FLIGHT):
    self._jitted = jitted
    self._limiter = DispatchLimiter(max_in_flight)

  def __call__(self, *args):
    out = self._jitted(*args)
    # Any output is ready when the step is; the last leaf is a metric, never
    # the state that the next call donates.
    self._limiter(jax.tree.leaves(out)[-1])
    return out

  def __getattr__(self, name):
    return getattr(self._jitted, name)


def jit_eval_step(mesh: Mesh, *, task: Task, state_sharding: Any = None):
  """eval_step compiled for the mesh; calls bounded in flight like the train step.

  ``state_sharding``: the state's layout as in jit_train_step (None: replicated).
  """
  repl = replicated(mesh)
  state_sh = repl if state_sharding is None else state_sharding
  return BoundedStep(
      jax.jit(
          functools.partial(eval_step, task=task),
          in_shardings=(state_sh, data_sharded(mesh)),
          out_shardings=repl,
      )
  )


def sum_metrics(a: dict | None, b: dict) -> dict:
  """Adds (sum, count) pairs; exact aggregation over batches."""
  if a is None:
    return b
  return jax.tree.map(jnp.add, a, b)


def finalize_metrics(metrics: dict) -> dict[str, float]:
  """(sum, count) pairs on the device -> {name: sum / count} floats on the host."""
  host = jax.device_get(metrics)
  return {k: float(s) / max(float(c), 1e-12) for k, (s, c) in host.items()}
