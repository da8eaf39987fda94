"""Encoder–decoder translation (notes 5.3), with an optional attention.

The encoder reads the source; its final hidden state is the representation
of the whole input sequence (`EncoderDecoder.embed_sequence`, usable as a
sequence embedding) and starts the decoder, which writes the output one
token at a time. Training uses teacher forcing: the decoder reads the true
previous token. Decoding uses `jaxdl.sequence.beam_search` (greedy or beam).

Going beyond the notes, `attention=True` adds Luong-style ("general")
attention: at step t the decoder state h_t scores every encoder output h̄_s
as h_tᵀ W h̄_s, a masked softmax over real source positions gives weights
α_ts, the context c_t = Σ_s α_ts h̄_s and the output is read from
h̃_t = tanh(W_c [c_t; h_t]). Because the attention does not feed back into
the recurrence, the whole teacher-forced decoder runs as one scan plus one
batched attention.
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.sequence import beam_search
from jaxdl.sequence import rnn


class EncoderDecoder(nn.Module):
  """Sequence-to-sequence model with different input and output lengths."""

  source_vocab_size: int  # Source token ids in [0, source_vocab_size).
  target_vocab_size: int  # Target token ids in [0, target_vocab_size).
  embed_dim: int = 32  # Size of the token embeddings.
  features: int = 128  # Hidden size of encoder and decoder.
  cell_type: str = 'gru'  # One of rnn.CELL_TYPES.
  attention: bool = True  # Luong attention over the encoder outputs.
  dtype: Any = None  # Computation dtype; params stay float32.

  def setup(self):
    self.source_embed = nn.Embed(self.source_vocab_size, self.embed_dim)
    self.target_embed = nn.Embed(self.target_vocab_size, self.embed_dim)
    self.encoder = rnn.Recurrence(self.cell_type, self.features, self.dtype)
    self.decoder = rnn.Recurrence(self.cell_type, self.features, self.dtype)
    if self.attention:
      self.attention_query = nn.Dense(self.features, use_bias=False, dtype=self.dtype)
      self.attention_combine = nn.Dense(self.features, dtype=self.dtype)
    self.readout = nn.Dense(self.target_vocab_size, dtype=self.dtype)

  def encode(self, source, source_mask):
    """Args: source [batch, S] int; source_mask [batch, S] bool.

    Returns:
      (final carry, encoder outputs [batch, S, features]).
    """
    return self.encoder(self.source_embed(source), source_mask)

  def embed_sequence(self, source, source_mask):
    """The encoder's final hidden state: [batch, features] (notes 5.3)."""
    carry, _ = self.encode(source, source_mask)
    return rnn.hidden_of(carry)

  def _attend(self, hidden, memory, source_mask):
    """hidden [batch, T, F] attends over memory [batch, S, F]."""
    scores = jnp.einsum('btf,bsf->bts', self.attention_query(hidden), memory)
    scores = jnp.where(source_mask[:, None, :], scores, -1e9)
    weights = jax.nn.softmax(scores.astype(jnp.float32), axis=-1)
    context = jnp.einsum('bts,bsf->btf', weights.astype(memory.dtype), memory)
    combined = jnp.concatenate([context, hidden], axis=-1)
    return jnp.tanh(self.attention_combine(combined)), weights

  def _read(self, hidden, memory, source_mask):
    if self.attention:
      hidden, weights = self._attend(hidden, memory, source_mask)
    else:
      weights = None
    return self.readout(hidden), weights

  def __call__(self, source, source_mask, target_input):
    """Teacher-forced logits.

    Args:
      source: [batch, S] int32 source ids.
      source_mask: [batch, S] bool, True at real source tokens.
      target_input: [batch, T] int32, BOS followed by the true target shifted.

    Returns:
      logits [batch, T, target_vocab_size].
    """
    carry, memory = self.encode(source, source_mask)
    _, hidden = self.decoder(self.target_embed(target_input), initial_carry=carry)
    logits, _ = self._read(hidden, memory, source_mask)
    return logits

  def attention_weights(self, source, source_mask, target_input):
    """[batch, T, S] attention weights under teacher forcing (for plots)."""
    if not self.attention:
      raise ValueError('attention_weights needs attention=True')
    carry, memory = self.encode(source, source_mask)
    _, hidden = self.decoder(self.target_embed(target_input), initial_carry=carry)
    return self._attend(hidden, memory, source_mask)[1]

  def decode_step(self, state, tokens):
    """One decoding step, the interface of `beam_search`.

    Args:
      state: dict(carry=decoder carry, memory=[n, S, F], mask=[n, S]).
      tokens: [n] int32 previous tokens.

    Returns:
      (log-probabilities [n, target_vocab_size], new state).
    """
    carry, hidden = self.decoder.step(state['carry'], self.target_embed(tokens))
    logits, _ = self._read(hidden[:, None], state['memory'], state['mask'])
    log_probs = jax.nn.log_softmax(logits[:, 0].astype(jnp.float32), axis=-1)
    return log_probs, dict(state, carry=carry)

  def init_decode_state(self, source, source_mask):
    """Decoder state after reading the source: carry, memory and mask."""
    carry, memory = self.encode(source, source_mask)
    return {'carry': carry, 'memory': memory, 'mask': source_mask}


def translate(
    model: EncoderDecoder,
    variables,
    source,
    source_mask,
    *,
    max_len: int,
    bos_id: int,
    eos_id: int,
    pad_id: int = 0,
    beam_size: int = 1,
    alpha: float = 0.0,
):
  """Decodes a batch: greedy when beam_size == 1, else beam search.

  Args:
    model, variables: the trained model.
    source: [batch, S] int32; source_mask: [batch, S] bool.
    max_len: output tokens written, EOS included.
    bos_id, eos_id, pad_id: target special tokens.
    beam_size: 1 for greedy decoding.
    alpha: beam-search length penalty exponent.

  Returns:
    (tokens [batch, max_len] int32, best hypothesis per source; scores
    [batch] log-probabilities).
  """
  state = model.apply(variables, source, source_mask, method=model.init_decode_state)
  step = lambda s, t: model.apply(variables, s, t, method=model.decode_step)
  kwargs = dict(
      batch_size=source.shape[0], max_len=max_len, bos_id=bos_id, eos_id=eos_id, pad_id=pad_id
  )
  if beam_size == 1:
    return beam_search.greedy_decode(step, state, **kwargs)
  tokens, scores = beam_search.beam_search(step, state, beam_size=beam_size, alpha=alpha, **kwargs)
  return tokens[:, 0], scores[:, 0]
