"""Padding masks and masked losses for variable-length sequences (notes 5.1).

Sequences of different lengths share a batch by right-padding to a common
length; a [batch, time] mask marks the real positions. Every sum over time
then runs over real positions only, and losses are returned as (sum, count)
so that averaging over batches and devices counts each token exactly once.
"""

import jax
import jax.numpy as jnp
import numpy as np


def lengths_to_mask(lengths, max_len: int):
  """[batch] lengths -> [batch, max_len] bool mask, True at t < length.

  Works on numpy (host side) and jax arrays alike.

  Raises:
    ValueError: if a length is negative or exceeds max_len (a silent clip
      would hide a data bug).
  """
  xp = jnp if isinstance(lengths, jax.Array) else np
  if not isinstance(lengths, jax.core.Tracer):
    lengths_np = np.asarray(lengths)
    if lengths_np.size and (lengths_np.min() < 0 or lengths_np.max() > max_len):
      raise ValueError(
          f'lengths must lie in [0, max_len={max_len}], got range '
          f'[{lengths_np.min()}, {lengths_np.max()}]'
      )
  return xp.arange(max_len)[None, :] < xp.asarray(lengths)[:, None]


def masked_token_cross_entropy(logits, targets, mask):
  """Summed softmax cross-entropy over real tokens.

  Args:
    logits: [batch, time, vocab] float.
    targets: [batch, time] int token ids.
    mask: [batch, time] bool or {0, 1}; padding positions contribute nothing.

  Returns:
    (sum of −log p(target) over real tokens, number of real tokens), scalars.
  """
  log_probs = jax.nn.log_softmax(logits.astype(jnp.float32), axis=-1)
  nll = -jnp.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
  mask = mask.astype(jnp.float32)
  return jnp.sum(nll * mask), jnp.sum(mask)


def masked_token_accuracy(logits, targets, mask):
  """(number of real tokens whose argmax is right, number of real tokens)."""
  mask = mask.astype(jnp.float32)
  hit = (jnp.argmax(logits, axis=-1) == targets).astype(jnp.float32)
  return jnp.sum(hit * mask), jnp.sum(mask)


def masked_mean_over_time(values, mask):
  """Mean of [batch, time, features] over each sequence's real steps.

  Returns:
    [batch, features]; a sequence with no real step gives zeros, not NaN.
  """
  mask = mask.astype(values.dtype)[..., None]
  total = jnp.sum(values * mask, axis=1)
  return total / jnp.maximum(jnp.sum(mask, axis=1), 1.0)
