"""K hyper-parameter trials trained at once (notes 2.10, run vectorised).

Trials of one model differ only in numbers, so they can share one program:
parameters, optimizer state and hyper-parameters get a leading trial axis
[K, ...] and one jitted step ``jax.vmap``s the single-trial update over it.
The optimizer is built with ``optax.inject_hyperparams``, which keeps its
hyper-parameters (learning rate, betas, ...) in the optimizer *state*, so
they are ordinary per-trial arrays rather than compile-time constants.
Hyper-parameters that are not optimizer arguments (e.g. ``l2``) are passed
to the loss. With several devices the trial axis is sharded over them
(K divisible by the device count), the batch replicated: each device trains
K / n trials, with no communication.

All trials see the same batches, so differences between them come from the
hyper-parameters and (optionally) the initialisation only.
"""

import dataclasses
import inspect
import time
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax.sharding import Mesh
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from jaxdl.parallel.dispatch import DispatchLimiter
from jaxdl.regularization import l2 as l2_lib

TRIAL_AXIS = "trials"


def optimizer_arg_names(optimizer_factory):
  """Names the optax factory accepts (these go to inject_hyperparams)."""
  return set(inspect.signature(optimizer_factory).parameters)


def trial_mesh(num_trials, devices=None):
  """1-D mesh over the devices if they divide num_trials, else one device."""
  devices = list(devices if devices is not None else jax.devices())
  if num_trials % len(devices):
    devices = devices[:1]
  return Mesh(np.array(devices), (TRIAL_AXIS,))


def softmax_loss(logits, labels):
  """Mean softmax cross-entropy and error count of one trial's batch."""
  loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels)
  errors = jnp.sum(jnp.argmax(logits, -1) != labels)
  return loss.mean(), errors


@dataclasses.dataclass
class VectorizedTrials:
  """Bound pieces of K-trial training; build with ``make_trials``."""

  init: Callable  # (seed, hparams) -> (params, opt_state)
  step: Callable  # (params, opt_state, hparams, x, y) -> (..., loss [K])
  evaluate: Callable  # (params, x, y) -> (loss [K], error [K])
  mesh: Mesh


def make_trials(
    model, example_x, optimizer_factory, hparam_names, *, num_trials, same_init=True, devices=None
):
  """Builds jitted init / step / evaluate for K trials of ``model``.

  Args:
    model: flax module, ``model.apply({'params': p}, x)`` -> [B, classes]
      logits (no batch norm / dropout state).
    example_x: [B, ...] input used for shapes at init.
    optimizer_factory: optax factory, e.g. ``optax.adam``; its arguments
      named in ``hparam_names`` vary per trial.
    hparam_names: names of the per-trial hyper-parameters. Optimizer
      arguments are injected; ``l2`` adds the notes-2.3.1 L2 cost
      l2 / (2 m) sum ||W||^2; any other name is an error.
    num_trials: K.
    same_init: all trials start from the same parameters (fair comparison);
      False draws one initialisation per trial.
    devices: devices to shard trials over (default: all).

  Returns:
    VectorizedTrials.
  """
  opt_args = optimizer_arg_names(optimizer_factory)
  unknown = set(hparam_names) - opt_args - {"l2"}
  if unknown:
    raise ValueError(
        f"hparam_names {sorted(unknown)} are neither arguments "
        f"of {optimizer_factory.__name__} ({sorted(opt_args)}) "
        "nor 'l2'."
    )
  injected = [n for n in hparam_names if n in opt_args]
  if "learning_rate" not in injected:
    raise ValueError("hparam_names must include 'learning_rate'.")
  tx = optax.inject_hyperparams(optimizer_factory)(**{n: 0.0 for n in injected})
  mesh = trial_mesh(num_trials, devices)
  by_trial = NamedSharding(mesh, P(TRIAL_AXIS))
  replicated = NamedSharding(mesh, P())

  def init_one(key, hp):
    params = model.init(key, example_x)["params"]
    state = tx.init(params)
    values = {n: jnp.asarray(hp[n], jnp.float32) for n in injected}
    return params, state._replace(hyperparams={**state.hyperparams, **values})

  init_all = jax.jit(jax.vmap(init_one), out_shardings=by_trial)

  def init(seed, hparams):
    base = jax.random.key(seed)
    keys = jnp.stack([base] * num_trials) if same_init else jax.random.split(base, num_trials)
    return init_all(keys, hparams)

  def step_one(params, state, hp, x, y):
    def objective(p):
      loss, _ = softmax_loss(model.apply({"params": p}, x), y)
      if "l2" in hp:
        loss = loss + l2_lib.l2_cost(p, 1.0, x.shape[0]) * hp["l2"]
      return loss

    loss, grads = jax.value_and_grad(objective)(params)
    updates, state = tx.update(grads, state, params)
    return optax.apply_updates(params, updates), state, loss

  step = jax.jit(
      jax.vmap(step_one, in_axes=(0, 0, 0, None, None)),
      in_shardings=(by_trial, by_trial, by_trial, replicated, replicated),
      out_shardings=(by_trial, by_trial, by_trial),
      donate_argnums=(0, 1),
  )

  def eval_one(params, x, y):
    loss, errors = softmax_loss(model.apply({"params": params}, x), y)
    return loss, errors / x.shape[0]

  evaluate = jax.jit(
      jax.vmap(eval_one, in_axes=(0, None, None)),
      in_shardings=(by_trial, replicated, replicated),
      out_shardings=(by_trial, by_trial),
  )
  return VectorizedTrials(init=init, step=step, evaluate=evaluate, mesh=mesh)


@dataclasses.dataclass
class TrialsResult:
  """Outcome of ``train_trials``."""

  hparams: dict  # name -> [K] values
  train_loss: np.ndarray  # [num_steps, K] per-step training loss
  dev_loss: np.ndarray  # [K] final dev loss
  dev_error: np.ndarray  # [K] final dev error rate
  wall_s: float  # whole call: compile + training + evaluation
  step_s: float  # mean wall time per step after the first (compiled) one


def train_trials(
    model,
    train,
    dev,
    optimizer_factory,
    hparams,
    *,
    num_steps,
    batch_size,
    seed=0,
    same_init=True,
    devices=None,
    trials=None,
):
  """Trains K trials at once and evaluates each on dev.

  Args:
    model: flax module (see ``make_trials``).
    train: dict with 'x' [N, ...] float32 and 'y' [N] int32 (host numpy).
    dev: same for the dev set.
    optimizer_factory: optax factory (e.g. optax.adam).
    hparams: dict name -> [K] values (learning_rate required).
    num_steps: training steps for every trial.
    batch_size: examples per step (same batches for all trials).
    seed: init and data-order seed.
    same_init: see ``make_trials``.
    devices: devices to shard trials over.
    trials: a ``make_trials`` result to reuse (same model, optimizer,
      hparam names and K), so that repeated searches compile once.

  Returns:
    TrialsResult.
  """
  sizes = {len(np.ravel(v)) for v in hparams.values()}
  if len(sizes) != 1:
    raise ValueError(
        f"all hparams need the same number of trials, got "
        f"{ {k: len(np.ravel(v)) for k, v in hparams.items()} }."
    )
  if batch_size > len(train["y"]):
    raise ValueError(f"batch_size {batch_size} > {len(train['y'])} training " "examples.")
  num_trials = sizes.pop()
  start = time.perf_counter()
  if trials is None:
    trials = make_trials(
        model,
        train["x"][:1],
        optimizer_factory,
        list(hparams),
        num_trials=num_trials,
        same_init=same_init,
        devices=devices,
    )
  hp = {k: jnp.asarray(np.ravel(v), jnp.float32) for k, v in hparams.items()}
  params, state = trials.init(seed, hp)
  rng = np.random.default_rng(seed)
  n = len(train["y"])
  order = rng.permutation(n)
  losses = []
  limiter = DispatchLimiter()
  first_done = None
  for i in range(num_steps):
    pos = (i * batch_size) % (n - n % batch_size)
    if pos == 0 and i:
      order = rng.permutation(n)
    idx = order[pos : pos + batch_size]
    params, state, loss = trials.step(params, state, hp, train["x"][idx], train["y"][idx])
    losses.append(loss)
    limiter(loss)
    if i == 0:
      jax.block_until_ready(loss)
      first_done = time.perf_counter()
  train_loss = np.asarray(jax.device_get(jnp.stack(losses)))
  steady = time.perf_counter()
  dev_loss, dev_error = trials.evaluate(params, dev["x"], dev["y"])
  dev_loss, dev_error = np.asarray(dev_loss), np.asarray(dev_error)
  end = time.perf_counter()
  step_s = (steady - first_done) / max(num_steps - 1, 1)
  return TrialsResult(
      hparams={k: np.ravel(v) for k, v in hparams.items()},
      train_loss=train_loss,
      dev_loss=dev_loss,
      dev_error=dev_error,
      wall_s=end - start,
      step_s=step_s,
  )
