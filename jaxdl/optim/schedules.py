"""Learning-rate decay per epoch (notes 2.8) as optax schedules (step -> alpha).

With ``epoch_num = first_epoch + step // steps_per_epoch`` (the notes count
epochs from 1, so by default the first epoch already decays once):

  inverse_time:  alpha = alpha0 / (1 + decay_rate * epoch_num)
  exponential:   alpha = base ** epoch_num * alpha0          (base = 0.95)
  inverse_sqrt:  alpha = k / sqrt(epoch_num) * alpha0
  staircase:     alpha = alpha0 * drop ** floor(epoch_num / epochs_per_drop)

alpha is constant within an epoch; ``steps_per_epoch`` converts steps.
"""

import jax.numpy as jnp

SCHEDULES = ("constant", "inverse_time", "exponential", "inverse_sqrt", "staircase")


def _epoch(step, steps_per_epoch, first_epoch):
  return (first_epoch + jnp.asarray(step) // steps_per_epoch).astype(jnp.float32)


def _check(alpha0, steps_per_epoch, first_epoch):
  if alpha0 <= 0:
    raise ValueError(f"alpha0 must be > 0, got {alpha0}.")
  if int(steps_per_epoch) != steps_per_epoch or steps_per_epoch < 1:
    raise ValueError(f"steps_per_epoch must be an int >= 1, got " f"{steps_per_epoch}.")
  if first_epoch not in (0, 1):
    raise ValueError(f"first_epoch must be 0 or 1, got {first_epoch}.")


def inverse_time_decay(alpha0, decay_rate, steps_per_epoch, first_epoch=1):
  """alpha0 / (1 + decay_rate * epoch_num)."""
  _check(alpha0, steps_per_epoch, first_epoch)
  if decay_rate < 0:
    raise ValueError(f"decay_rate must be >= 0, got {decay_rate}.")
  return lambda step: alpha0 / (1.0 + decay_rate * _epoch(step, steps_per_epoch, first_epoch))


def exponential_decay(alpha0, steps_per_epoch, base=0.95, first_epoch=1):
  """base ** epoch_num * alpha0."""
  _check(alpha0, steps_per_epoch, first_epoch)
  if not 0.0 < base <= 1.0:
    raise ValueError(f"base must be in (0, 1], got {base}.")
  return lambda step: alpha0 * base ** _epoch(step, steps_per_epoch, first_epoch)


def inverse_sqrt_decay(alpha0, steps_per_epoch, k=1.0, first_epoch=1):
  """k / sqrt(epoch_num) * alpha0 (epoch_num counted from 1: defined at 0)."""
  _check(alpha0, steps_per_epoch, first_epoch)
  if first_epoch != 1:
    raise ValueError("inverse_sqrt_decay needs first_epoch=1 (1/sqrt(0)).")
  if k <= 0:
    raise ValueError(f"k must be > 0, got {k}.")
  return lambda step: alpha0 * k / jnp.sqrt(_epoch(step, steps_per_epoch, first_epoch))


def staircase_decay(alpha0, steps_per_epoch, drop=0.5, epochs_per_drop=10, first_epoch=1):
  """Discrete staircase: alpha0 * drop ** floor(epoch_num / epochs_per_drop)."""
  _check(alpha0, steps_per_epoch, first_epoch)
  if not 0.0 < drop <= 1.0:
    raise ValueError(f"drop must be in (0, 1], got {drop}.")
  if epochs_per_drop < 1:
    raise ValueError(f"epochs_per_drop must be >= 1, got {epochs_per_drop}.")
  return lambda step: alpha0 * drop ** jnp.floor(
      _epoch(step, steps_per_epoch, first_epoch) / epochs_per_drop
  )


def make_notes_schedule(
    name,
    alpha0,
    steps_per_epoch,
    *,
    decay_rate=1.0,
    base=0.95,
    k=1.0,
    drop=0.5,
    epochs_per_drop=10,
    first_epoch=1,
):
  """Selects a notes 2.8 schedule by name (see SCHEDULES)."""
  if name == "constant":
    _check(alpha0, steps_per_epoch, first_epoch)
    return lambda step: jnp.full([], alpha0, jnp.float32)
  if name == "inverse_time":
    return inverse_time_decay(alpha0, decay_rate, steps_per_epoch, first_epoch)
  if name == "exponential":
    return exponential_decay(alpha0, steps_per_epoch, base, first_epoch)
  if name == "inverse_sqrt":
    return inverse_sqrt_decay(alpha0, steps_per_epoch, k, first_epoch)
  if name == "staircase":
    return staircase_decay(alpha0, steps_per_epoch, drop, epochs_per_drop, first_epoch)
  raise ValueError(f"unknown schedule {name!r}; accepted: " f"{', '.join(SCHEDULES)}.")
