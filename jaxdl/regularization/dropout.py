"""Inverted dropout with the notes' keep_prob (notes 2.3.2, "3.2.2.1").

    d = rand(shape) < keep_prob;  a = a * d / keep_prob

Dividing by keep_prob keeps E[a] unchanged, so evaluation uses the network
as is, with no rescaling. Flax's ``nn.Dropout(rate=1 - keep_prob)`` is the
same operation (it draws ``bernoulli(keep_prob)`` and divides by
keep_prob; tests/test_dropout.py checks that both give identical outputs for
the same key), so models use flax's layer with ``rate = 1 - keep_prob``.
"""

import jax
import jax.numpy as jnp


def inverted_dropout(key, activations, keep_prob, *, deterministic=False):
  """Zeros each unit with probability 1 - keep_prob and rescales the rest.

  Args:
    key: PRNG key.
    activations: array of any shape.
    keep_prob: probability of keeping a unit, in (0, 1].
    deterministic: True at evaluation: return activations unchanged.

  Returns:
    Array like ``activations``.
  """
  if not 0.0 < keep_prob <= 1.0:
    raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob}.")
  if deterministic or keep_prob == 1.0:
    return activations
  keep = jax.random.bernoulli(key, keep_prob, activations.shape)
  return jnp.where(keep, activations / keep_prob, 0.0).astype(activations.dtype)


def keep_prob_to_rate(keep_prob):
  """flax ``nn.Dropout`` takes the drop rate: rate = 1 - keep_prob."""
  if not 0.0 < keep_prob <= 1.0:
    raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob}.")
  return 1.0 - keep_prob
