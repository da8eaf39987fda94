"""Decoupled weight decay as an optax transform (notes 2.3 "weight decay").

The L2 term of notes 2.3.1 adds (lambda / m) W to the gradient, so plain SGD
does  W <- W - alpha (dW + (lambda / m) W) = (1 - alpha lambda / m) W - alpha dW:
the weights decay by a constant factor each step, hence "weight decay".
``decoupled_weight_decay`` applies that shrinkage directly, *after* the
optimizer has transformed the gradient:

    update = optimizer(dW) - learning_rate * rate * W   (kernels only)

For SGD both are identical when ``rate = lambda / m``. For adaptive
optimizers (RMSprop, Adam) they differ: the L2 gradient gets divided by
sqrt(s), the decoupled decay does not (Loshchilov & Hutter's AdamW).
"""

import jax
import jax.numpy as jnp
import optax

from jaxdl.regularization import l2


def l2_equivalent_rate(lambd, num_examples):
  """Decay rate equal to the notes' L2 strength under plain SGD: lambda / m."""
  return lambd / num_examples


def decoupled_weight_decay(rate, learning_rate, mask=l2.kernel_mask):
  """Optax transform adding -learning_rate * rate * W to the updates.

  Place it after the optimizer in an ``optax.chain``.

  Args:
    rate: decay per unit learning rate (>= 0).
    learning_rate: float or optax schedule (step -> float); the same value
      the optimizer uses, so that decay follows the learning-rate schedule.
    mask: pytree of bools or a function params -> mask; default decays only
      weight matrices / kernels.

  Returns:
    An ``optax.GradientTransformation`` whose state counts steps.
  """
  if rate < 0:
    raise ValueError(f"rate must be >= 0, got {rate}.")

  def init_fn(params):
    del params
    return optax.ScaleByScheduleState(count=jnp.zeros([], jnp.int32))

  def update_fn(updates, state, params=None):
    if params is None:
      raise ValueError("decoupled_weight_decay needs params in update().")
    lr = learning_rate(state.count) if callable(learning_rate) else (learning_rate)
    keep = mask(params) if callable(mask) else mask
    updates = jax.tree_util.tree_map(
        lambda u, p, k: u - lr * rate * p if k else u, updates, params, keep
    )
    return updates, optax.ScaleByScheduleState(count=optax.safe_int32_increment(state.count))

  return optax.GradientTransformation(init_fn, update_fn)
