"""The one pytree a training run carries from step to step."""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax.training import train_state

from jaxdl.data.normalize import identity_stats


class TrainState(train_state.TrainState):
  """flax TrainState (step, params, opt_state, apply_fn, tx) plus:

  Attributes:
    batch_stats: BatchNorm running averages ({} for models without BN).
    rng: base PRNG key; step s uses ``fold_in(rng, s)``.
    input_stats: {'mean': [C], 'std': [C]} fitted on train (notes 2.3.4),
      applied inside the jitted steps; saved with every checkpoint.
    loss_scale: a jaxdl.train.precision.DynamicLossScale for float16 runs,
      None otherwise (then it adds nothing to the pytree or the checkpoint).
  """

  batch_stats: Any
  rng: jax.Array
  input_stats: Any
  loss_scale: Any = None


def create_train_state(
    model: nn.Module,
    tx: optax.GradientTransformation,
    example_inputs: Any,
    rng: jax.Array,
    input_stats: dict[str, Any] | None = None,
    loss_scale: Any = None,
) -> TrainState:
  """Initialises parameters from ``example_inputs`` (shapes only matter).

  Pure: jit it with ``out_shardings`` to place the state on a mesh directly.

  Args:
    model: an unbound flax module called as ``model(x, train=...)``.
    tx: the optimizer (e.g. jaxdl.optim.make_optimizer).
    example_inputs: a batch of model inputs, e.g. [B, H, W, C] images or
      int32 [B, T] token ids; only shapes and dtypes are used.
    rng: PRNG key, split into the init key and the state's base key.
    input_stats: {'mean': [C], 'std': [C]} of the training inputs
      (jaxdl.data.fit_input_stats); None: identity statistics (mean 0, std 1)
      for the last axis of ``example_inputs``, so normalising changes
      nothing (and tasks with normalize_input=False, such as token inputs,
      never read them).
    loss_scale: a jaxdl.train.precision.DynamicLossScale for float16, or None.

  Returns:
    The TrainState at step 0.
  """
  if input_stats is None:
    # The first leaf, for models whose inputs are a tuple or dict of arrays.
    leaves = jax.tree.leaves(example_inputs)
    shape = jnp.shape(leaves[0]) if leaves else ()
    input_stats = identity_stats(shape[-1] if shape else 1)
  init_rng, state_rng = jax.random.split(rng)
  variables = model.init({'params': init_rng, 'dropout': init_rng}, example_inputs, train=False)
  return TrainState.create(
      apply_fn=model.apply,
      params=variables['params'],
      tx=tx,
      batch_stats=variables.get('batch_stats', {}),
      rng=state_rng,
      input_stats=jax.tree.map(jnp.asarray, input_stats),
      loss_scale=loss_scale,
  )
