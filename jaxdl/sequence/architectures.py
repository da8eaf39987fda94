"""The RNN architectures of notes 5.1.

- many-to-one: read a whole sequence, classify from the final state;
- many-to-many (T_x = T_y): one output per input step;
- one-to-many: one input, then each step's output is fed back as the next
  step's input ("for One2Seq type architectures, the output of the last time
  step is given as input for the next time step");
- sequence-to-sequence with different input and output lengths: an encoder
  reads x⟨1..T_x⟩, a decoder started from its final state writes
  y⟨1..T_y⟩ — implemented in `jaxdl.sequence.seq2seq.EncoderDecoder`.

Models return logits; `rnn.output_activation` turns them into ŷ (sigmoid for
binary, softmax for multi-class outputs).
"""

from typing import Any, Optional

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.sequence import rnn


class ManyToOne(nn.Module):
  """Sequence -> one output, read from the state after the last real step."""

  num_outputs: int  # 1 for binary (sigmoid) outputs, classes for softmax.
  cell_type: str = 'gru'  # One of rnn.CELL_TYPES.
  features: int = 64  # Hidden size n_a.
  dtype: Any = None  # Computation dtype.

  @nn.compact
  def __call__(self, inputs, mask=None):
    """Args: inputs [batch, time, n_x]; mask [batch, time] bool or None.

    Returns:
      logits [batch, num_outputs].
    """
    carry, _ = rnn.Recurrence(self.cell_type, self.features, self.dtype, name='rnn')(inputs, mask)
    return nn.Dense(self.num_outputs, dtype=self.dtype, name='W_y')(rnn.hidden_of(carry))


class ManyToMany(nn.Module):
  """Sequence -> sequence of the same length: ŷ⟨t⟩ = g(W_y a⟨t⟩ + b_y)."""

  num_outputs: int  # Output size per step.
  cell_type: str = 'gru'  # One of rnn.CELL_TYPES.
  features: int = 64  # Hidden size n_a.
  dtype: Any = None  # Computation dtype.

  @nn.compact
  def __call__(self, inputs, mask=None):
    """Args: inputs [batch, time, n_x]; mask [batch, time] bool or None.

    Returns:
      logits [batch, time, num_outputs] (padding positions hold the readout of
      a zero state; mask them in the loss).
    """
    _, hidden = rnn.Recurrence(self.cell_type, self.features, self.dtype, name='rnn')(inputs, mask)
    return nn.Dense(self.num_outputs, dtype=self.dtype, name='W_y')(hidden)


class OneToMany(nn.Module):
  """One input x, then each output fed back as the next input (notes 5.1).

  Step 1 reads x; step t > 1 reads the embedding of the token chosen at step
  t−1 (the argmax, or a sample when an rng is given), so that generation
  needs nothing but x.
  """

  vocab_size: int  # Number of output tokens.
  length: int  # T_y, number of steps generated.
  cell_type: str = 'gru'  # One of rnn.CELL_TYPES.
  features: int = 64  # Hidden size n_a.
  dtype: Any = None  # Computation dtype.

  @nn.compact
  def __call__(self, x, rng: Optional[jax.Array] = None, temperature: float = 1.0):
    """Generates `length` tokens from one input vector.

    Args:
      x: [batch, n_x] the single input.
      rng: None for greedy (argmax) feedback, a key to sample instead.
      temperature: softmax temperature when sampling (> 0).

    Returns:
      (tokens [batch, length] int32, logits [batch, length, vocab_size]).
    """
    if temperature <= 0:
      raise ValueError(f'temperature must be > 0, got {temperature}')
    n_x = x.shape[-1]
    cell = rnn.make_cell(self.cell_type, self.features, self.dtype, name='cell')
    readout = nn.Dense(self.vocab_size, dtype=self.dtype, name='W_y')
    # Fed-back tokens are embedded to the size of x so that one cell reads both.
    embed = nn.Embed(self.vocab_size, n_x, name='feedback_embed')
    if rng is None:
      rng = jax.random.key(0)
      greedy = True
    else:
      greedy = False
    keys = jax.random.split(rng, self.length)

    def body(module, carry, key):
      state, inputs = carry
      state, hidden = cell(state, inputs)
      logits = readout(hidden)
      if greedy:
        token = jnp.argmax(logits, axis=-1)
      else:
        token = jax.random.categorical(key, logits / temperature, axis=-1)
      return (state, embed(token)), (token.astype(jnp.int32), logits)

    state = cell.initialize_carry(jax.random.key(0), x.shape)
    scan = nn.scan(body, variable_broadcast='params', split_rngs={'params': False}, out_axes=1)
    _, (tokens, logits) = scan(self, (state, x), keys)
    return tokens, logits
