"""The notes' optimizers (2.5-2.7) as optax chains, written as the notes do.

With dW the gradient and alpha the learning rate, per parameter:

  notes momentum (2.5):  v = beta v + (1 - beta) dW;           W -= alpha v
  heavy ball (optax):    v = beta v + dW;                      W -= alpha v
  RMSprop (2.6):         s = beta2 s + (1 - beta2) dW^2;       W -= alpha dW / (sqrt(s) + eps)
  Adam (2.7):            v, s as above (beta1, beta2), t = step (from 1),
                         v_hat = v / (1 - beta1^t), s_hat = s / (1 - beta2^t)
                         W -= alpha v_hat / (sqrt(s_hat) + eps)

Learning-rate relation: the notes' v is (1 - beta) times the heavy-ball v,
so notes momentum with alpha equals optax's ``sgd(momentum=beta)`` with
alpha * (1 - beta); with beta = 0.9, the notes' alpha = 0.1 is heavy-ball
0.01. The notes' Adam is ``optax.adam`` (same eps placement); the notes'
RMSprop puts eps outside the square root (optax's default puts it inside:
``eps_in_sqrt=True``).

``make_notes_optimizer(name, learning_rate, ...)`` selects one by name;
``learning_rate`` may be an optax schedule (e.g. from ``schedules.py``).
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax


class MomentumState(NamedTuple):
  velocity: optax.Updates


class RmsState(NamedTuple):
  square_avg: optax.Updates


class AdamState(NamedTuple):
  count: jax.Array
  velocity: optax.Updates
  square_avg: optax.Updates


def _zeros(params):
  return jax.tree_util.tree_map(jnp.zeros_like, params)


def _check_beta(name, beta):
  if not 0.0 <= beta < 1.0:
    raise ValueError(f"{name} must be in [0, 1), got {beta}.")


def scale_by_notes_momentum(beta=0.9):
  """v = beta v + (1 - beta) dW; the update direction is v (notes 2.5)."""
  _check_beta("beta", beta)

  def update_fn(updates, state, params=None):
    del params
    v = jax.tree_util.tree_map(lambda v, g: beta * v + (1 - beta) * g, state.velocity, updates)
    return v, MomentumState(velocity=v)

  return optax.GradientTransformation(lambda p: MomentumState(velocity=_zeros(p)), update_fn)


def scale_by_heavy_ball(beta=0.9):
  """v = beta v + dW (Polyak's heavy ball; optax.sgd(momentum=beta))."""
  _check_beta("beta", beta)

  def update_fn(updates, state, params=None):
    del params
    v = jax.tree_util.tree_map(lambda v, g: beta * v + g, state.velocity, updates)
    return v, MomentumState(velocity=v)

  return optax.GradientTransformation(lambda p: MomentumState(velocity=_zeros(p)), update_fn)


def scale_by_notes_rmsprop(beta2=0.999, eps=1e-8):
  """s = beta2 s + (1 - beta2) dW^2; direction dW / (sqrt(s) + eps) (2.6)."""
  _check_beta("beta2", beta2)

  def update_fn(updates, state, params=None):
    del params
    s = jax.tree_util.tree_map(
        lambda s, g: beta2 * s + (1 - beta2) * g * g, state.square_avg, updates
    )
    out = jax.tree_util.tree_map(lambda g, s: g / (jnp.sqrt(s) + eps), updates, s)
    return out, RmsState(square_avg=s)

  return optax.GradientTransformation(lambda p: RmsState(square_avg=_zeros(p)), update_fn)


def scale_by_notes_adam(beta1=0.9, beta2=0.999, eps=1e-8):
  """Momentum + RMSprop with bias correction (notes 2.7)."""
  _check_beta("beta1", beta1)
  _check_beta("beta2", beta2)

  def init_fn(params):
    return AdamState(
        count=jnp.zeros([], jnp.int32), velocity=_zeros(params), square_avg=_zeros(params)
    )

  def update_fn(updates, state, params=None):
    del params
    t = optax.safe_int32_increment(state.count)
    v = jax.tree_util.tree_map(lambda v, g: beta1 * v + (1 - beta1) * g, state.velocity, updates)
    s = jax.tree_util.tree_map(
        lambda s, g: beta2 * s + (1 - beta2) * g * g, state.square_avg, updates
    )
    # Default float dtype (float64 under x64) so corrections are not rounded.
    t_float = t.astype(jnp.result_type(float))
    c1 = 1 - beta1**t_float
    c2 = 1 - beta2**t_float
    out = jax.tree_util.tree_map(lambda v, s: (v / c1) / (jnp.sqrt(s / c2) + eps), v, s)
    return out, AdamState(count=t, velocity=v, square_avg=s)

  return optax.GradientTransformation(init_fn, update_fn)


def notes_momentum(learning_rate, beta=0.9):
  """Gradient descent with the notes' momentum (2.5)."""
  return optax.chain(scale_by_notes_momentum(beta), optax.scale_by_learning_rate(learning_rate))


def heavy_ball(learning_rate, beta=0.9):
  """Heavy-ball momentum; equal to notes_momentum(learning_rate / (1 - beta))."""
  return optax.chain(scale_by_heavy_ball(beta), optax.scale_by_learning_rate(learning_rate))


def notes_rmsprop(learning_rate, beta2=0.999, eps=1e-8):
  """RMSprop in the notes' form (2.6)."""
  return optax.chain(
      scale_by_notes_rmsprop(beta2, eps), optax.scale_by_learning_rate(learning_rate)
  )


def notes_adam(learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
  """Adam in the notes' form (2.7); numerically optax.adam."""
  return optax.chain(
      scale_by_notes_adam(beta1, beta2, eps), optax.scale_by_learning_rate(learning_rate)
  )


def heavy_ball_learning_rate(notes_learning_rate, beta):
  """Heavy-ball alpha giving the same steps as notes momentum: alpha(1-beta)."""
  _check_beta("beta", beta)
  return notes_learning_rate * (1.0 - beta)


NOTES_OPTIMIZERS = ("gd", "notes_momentum", "heavy_ball", "notes_rmsprop", "notes_adam")


def make_notes_optimizer(name, learning_rate, *, beta1=0.9, beta2=0.999, eps=1e-8):
  """Selects a notes optimizer by name.

  Args:
    name: one of NOTES_OPTIMIZERS ('gd' is plain gradient descent).
    learning_rate: float or optax schedule.
    beta1: momentum / Adam first-moment decay.
    beta2: RMSprop / Adam second-moment decay.
    eps: RMSprop / Adam denominator guard.

  Returns:
    optax.GradientTransformation.
  """
  if name == "gd":
    return optax.sgd(learning_rate)
  if name == "notes_momentum":
    return notes_momentum(learning_rate, beta1)
  if name == "heavy_ball":
    return heavy_ball(learning_rate, beta1)
  if name == "notes_rmsprop":
    return notes_rmsprop(learning_rate, beta2, eps)
  if name == "notes_adam":
    return notes_adam(learning_rate, beta1, beta2, eps)
  raise ValueError(f"unknown optimizer name {name!r}; accepted: " f"{', '.join(NOTES_OPTIMIZERS)}.")
