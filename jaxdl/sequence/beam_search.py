"""Greedy and beam-search decoding for any step-wise model (notes 5.3).

A decoder is seen through one pure function,
  step_fn(state, tokens [n]) -> (log_probs [n, vocab], new_state),
with `state` a pytree whose leaves have leading axis n. Both searches run a
fixed number of steps under `lax.scan` (static shapes, one compilation);
a hypothesis that has emitted EOS is frozen: it keeps its score and is
padded from then on.
"""

from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

StepFn = Callable[[Any, jax.Array], tuple[jax.Array, Any]]
NEG_INF = -1e30  # Finite, so that -inf - -inf never makes a NaN.


def greedy_decode(
    step_fn: StepFn,
    init_state,
    *,
    batch_size: int,
    max_len: int,
    bos_id: int,
    eos_id: int,
    pad_id: int = 0,
):
  """Picks the most likely token at every step.

  Args:
    step_fn: see module docstring.
    init_state: pytree, leaves [batch_size, ...].
    batch_size: number of sequences.
    max_len: number of steps (tokens written, EOS included).
    bos_id: first input token.
    eos_id: end token; later positions are filled with pad_id.
    pad_id: filler after EOS.

  Returns:
    (tokens [batch, max_len] int32, scores [batch] summed log-probabilities
    up to and including EOS).
  """
  _check(max_len=max_len, batch_size=batch_size, special_ids=(bos_id, eos_id, pad_id))

  def body(carry, _):
    state, last, score, done = carry
    log_probs, state = step_fn(state, last)
    _check_vocab(log_probs, batch_size, eos_id=eos_id, pad_id=pad_id)
    token = jnp.argmax(log_probs, axis=-1).astype(jnp.int32)
    gain = jnp.take_along_axis(log_probs, token[:, None], axis=-1)[:, 0]
    score = score + jnp.where(done, 0.0, gain)
    token = jnp.where(done, pad_id, token)
    done = done | (token == eos_id)
    return (state, token, score, done), token

  init = (
      init_state,
      jnp.full((batch_size,), bos_id, jnp.int32),
      jnp.zeros((batch_size,), jnp.float32),
      jnp.zeros((batch_size,), bool),
  )
  (_, _, score, _), tokens = jax.lax.scan(body, init, None, length=max_len)
  return tokens.T, score


def length_penalty(lengths, alpha: float):
  """GNMT's ((5 + length) / 6) ** alpha; alpha = 0 ranks by raw log-prob.

  alpha must be >= 0 (GNMT uses 0.6-0.7): a negative one would reward short
  hypotheses, the opposite of the penalty's purpose. Traced alphas are not checked.
  """
  if isinstance(alpha, (int, float, np.number)) and not alpha >= 0:  # NaN fails too
    raise ValueError(f'alpha must be >= 0, got {alpha}')
  return ((5.0 + lengths) / 6.0) ** alpha


def beam_search(
    step_fn: StepFn,
    init_state,
    *,
    batch_size: int,
    beam_size: int,
    max_len: int,
    bos_id: int,
    eos_id: int,
    pad_id: int = 0,
    alpha: float = 0.0,
):
  """Keeps the `beam_size` best partial hypotheses at every step.

  Each step expands every live hypothesis by every token, scores them by
  summed log-probability and keeps the top `beam_size` of the
  beam_size × vocab candidates; finished hypotheses compete with a single
  continuation (pad, at no cost). When the beam can hold every hypothesis
  this is exhaustive search; with beam_size = 1 it is greedy decoding.

  Args:
    step_fn: see module docstring; it is called on beam_size * batch_size rows.
    init_state: pytree, leaves [batch_size, ...] (tiled over beams here).
    batch_size: number of source sequences.
    beam_size: hypotheses kept per source sequence (>= 1).
    max_len: steps (tokens written, EOS included).
    bos_id, eos_id, pad_id: special tokens.
    alpha: length-penalty exponent used for the final ranking only.

  Returns:
    (tokens [batch, beam, max_len] int32, scores [batch, beam] summed
    log-probabilities), best first under the length penalty. Slots that hold
    no valid hypothesis (more beam than hypotheses) score NEG_INF.
  """
  _check(
      max_len=max_len,
      batch_size=batch_size,
      beam_size=beam_size,
      special_ids=(bos_id, eos_id, pad_id),
  )
  if (
      isinstance(alpha, (int, float, np.number)) and not alpha >= 0
  ):  # checked before decoding, not after
    raise ValueError(f'alpha must be >= 0, got {alpha}')
  b, k = batch_size, beam_size
  state = jax.tree.map(lambda x: jnp.repeat(x, k, axis=0), init_state)
  # Only beam 0 is live at first, so the k copies do not fill the beam with
  # k identical hypotheses.
  scores = jnp.tile(jnp.array([0.0] + [NEG_INF] * (k - 1), jnp.float32), (b, 1))
  init = (
      state,
      jnp.full((b, k), bos_id, jnp.int32),
      scores,
      jnp.zeros((b, k), bool),
      jnp.zeros((b, k), jnp.int32),
      jnp.full((b, k, max_len), pad_id, jnp.int32),
  )

  def body(carry, t):
    state, last, scores, done, lengths, tokens = carry
    log_probs, state = step_fn(state, last.reshape(b * k))
    _check_vocab(log_probs, b * k, eos_id=eos_id, pad_id=pad_id)
    vocab = log_probs.shape[-1]
    log_probs = log_probs.reshape(b, k, vocab).astype(jnp.float32)
    frozen = jnp.full((vocab,), NEG_INF).at[pad_id].set(0.0)
    log_probs = jnp.where(done[..., None], frozen, log_probs)
    candidates = (scores[..., None] + log_probs).reshape(b, k * vocab)
    scores, flat = jax.lax.top_k(candidates, k)
    parent, token = flat // vocab, (flat % vocab).astype(jnp.int32)
    pick = lambda x: jnp.take_along_axis(x, parent, axis=1)
    was_done = pick(done)
    tokens = jnp.take_along_axis(tokens, parent[..., None], axis=1)
    tokens = tokens.at[:, :, t].set(token)
    lengths = pick(lengths) + (~was_done).astype(jnp.int32)
    done = was_done | (token == eos_id)
    rows = (jnp.arange(b)[:, None] * k + parent).reshape(-1)
    state = jax.tree.map(lambda x: x[rows], state)
    return (state, token, scores, done, lengths, tokens), None

  (_, _, scores, _, lengths, tokens), _ = jax.lax.scan(body, init, jnp.arange(max_len))
  ranked = scores / length_penalty(lengths.astype(jnp.float32), alpha)
  ranked = jnp.where(scores <= NEG_INF / 2, NEG_INF, ranked)
  order = jnp.argsort(-ranked, axis=1)
  return (
      jnp.take_along_axis(tokens, order[..., None], axis=1),
      jnp.take_along_axis(scores, order, axis=1),
  )


def _check(max_len: int, batch_size: int, beam_size: int = 1, special_ids=()):
  for name, value in (('max_len', max_len), ('batch_size', batch_size), ('beam_size', beam_size)):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
      raise ValueError(f'{name} must be an int >= 1 (it fixes a static shape), got {value!r}')
  for name, value in zip(('bos_id', 'eos_id', 'pad_id'), special_ids):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
      raise ValueError(f'{name} must be a token id (an int >= 0), got {value!r}')


def _check_vocab(log_probs, rows, *, eos_id, pad_id):
  """Trace-time (static shape) check of step_fn's output."""
  if log_probs.ndim != 2 or log_probs.shape[0] != rows:
    raise ValueError(f'step_fn must return log_probs [{rows}, vocab], got shape {log_probs.shape}')
  vocab = log_probs.shape[-1]
  for name, value in (('eos_id', eos_id), ('pad_id', pad_id)):
    if value >= vocab:
      # An out-of-range pad_id is silently dropped by .at[].set: every
      # finished hypothesis would then score NEG_INF.
      raise ValueError(f'{name} must be < vocab size {vocab} (from step_fn), got {value}')
