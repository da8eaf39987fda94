"""Recurrent cells and their unrolling over time (notes 5.1).

The vanilla cell is written as the notes write it: a⟨0⟩ = 0,
a⟨t⟩ = tanh(W_a [a⟨t-1⟩, x⟨t⟩] + b_a), ŷ⟨t⟩ = g(W_y a⟨t⟩ + b_y) with g a sigmoid
or softmax. LSTM and GRU cells come from flax. `Recurrence` unrolls any of
them with `nn.scan` and honours a padding mask, so that variable-length
sequences can share one padded batch.
"""

from typing import Any, Optional

import flax.linen as nn
import jax
import jax.numpy as jnp

CELL_TYPES = ('vanilla', 'lstm', 'gru')
OUTPUT_ACTIVATIONS = ('softmax', 'sigmoid', 'none')


class VanillaRNNCell(nn.RNNCellBase):
  """The notes' RNN cell: a⟨t⟩ = tanh(W_a [a⟨t-1⟩, x⟨t⟩] + b_a).

  The notes' "simplifying the computations" stacks W_aa and W_ax side by side
  into one matrix W_a acting on the concatenation [a⟨t-1⟩, x⟨t⟩]; the single
  Dense kernel here is that W_a (transposed, flax stores [in, out]): its
  first `features` rows are W_aaᵀ, the rest W_axᵀ.
  """

  features: int  # n_a, size of the hidden state a⟨t⟩.
  dtype: Any = None  # Computation dtype; params stay float32.

  @nn.compact
  def __call__(self, carry, inputs):
    """One time step.

    Args:
      carry: a⟨t-1⟩, [..., features].
      inputs: x⟨t⟩, [..., n_x].

    Returns:
      (a⟨t⟩, a⟨t⟩), both [..., features]; the readout W_y is applied outside
      so that the same cell serves every architecture.
    """
    stacked = jnp.concatenate([carry, inputs], axis=-1)
    new = jnp.tanh(nn.Dense(self.features, dtype=self.dtype, name='W_a')(stacked))
    return new, new

  @nn.nowrap
  def initialize_carry(self, rng, input_shape):
    """a⟨0⟩ = 0 (notes 5.1); `rng` is unused but part of the flax interface."""
    del rng
    return jnp.zeros(tuple(input_shape[:-1]) + (self.features,), jnp.float32)

  @property
  def num_feature_axes(self) -> int:
    return 1


def make_cell(
    cell_type: str, features: int, dtype: Any = None, name: Optional[str] = None
) -> nn.RNNCellBase:
  """Builds a recurrent cell by name: 'vanilla', 'lstm' or 'gru'."""
  if cell_type == 'vanilla':
    return VanillaRNNCell(features, dtype=dtype, name=name)
  if cell_type == 'lstm':
    return nn.OptimizedLSTMCell(features, dtype=dtype, name=name)
  if cell_type == 'gru':
    return nn.GRUCell(features, dtype=dtype, name=name)
  raise ValueError(f'cell_type must be one of {CELL_TYPES}, got {cell_type!r}')


def hidden_of(carry):
  """The hidden state a⟨t⟩ inside a cell's carry.

  flax's LSTM carry is (c, h); the GRU and vanilla carries are h itself.
  """
  return carry[1] if isinstance(carry, tuple) else carry


def output_activation(logits: jax.Array, activation: str) -> jax.Array:
  """ŷ = g(logits) with g the sigmoid (binary) or softmax (multi-class), 5.1.

  Losses use the logits directly (log-softmax / log-sigmoid are stabler than
  the log of ŷ), so g is only needed for reporting probabilities.
  """
  if activation == 'softmax':
    return jax.nn.softmax(logits, axis=-1)
  if activation == 'sigmoid':
    return jax.nn.sigmoid(logits)
  if activation == 'none':
    return logits
  raise ValueError(f'activation must be one of {OUTPUT_ACTIVATIONS}, got {activation!r}')


def _masked_step(cell, carry, xs):
  """One scan step that freezes the carry where the mask is 0.

  Freezing (rather than resetting) means the final carry of a padded sequence
  is the state after its last real token, i.e. padding is invisible.
  """
  inputs, mask = xs
  new_carry, out = cell(carry, inputs)
  keep = mask[:, None]
  # Cast back to the carry's dtype: scan needs a fixed carry type, and a cell
  # computing in another dtype (float64, bfloat16) would otherwise change it.
  new_carry = jax.tree.map(lambda n, o: jnp.where(keep, n, o).astype(o.dtype), new_carry, carry)
  return new_carry, out * keep.astype(out.dtype)


class Recurrence(nn.Module):
  """A cell unrolled over time with `nn.scan`, padding-aware."""

  cell_type: str = 'gru'  # One of CELL_TYPES.
  features: int = 64  # Hidden size n_a.
  dtype: Any = None  # Computation dtype.

  def setup(self):
    self.cell = make_cell(self.cell_type, self.features, self.dtype)

  def initialize_carry(self, batch_size: int, dtype: Any = None):
    """Zero initial state a⟨0⟩ for `batch_size` sequences.

    Its dtype is `dtype`, else the module's computation dtype, else float32
    (flax's cells make a param_dtype carry whatever they compute in).
    """
    carry = self.cell.initialize_carry(jax.random.key(0), (batch_size, 1))
    if dtype is None:  # not `or`: an np.dtype is falsy (len 0)
      dtype = jnp.float32 if self.dtype is None else self.dtype
    return jax.tree.map(lambda c: c.astype(dtype), carry)

  def step(self, carry, inputs):
    """A single step with the same parameters as the unrolled call.

    Args:
      carry: the cell carry, leaves [batch, features].
      inputs: [batch, n_x].

    Returns:
      (new carry, hidden output [batch, features]).
    """
    return self.cell(carry, inputs)

  def __call__(self, inputs, mask=None, initial_carry=None):
    """Runs the cell over a padded batch.

    Args:
      inputs: [batch, time, n_x].
      mask: [batch, time] bool, True at real positions; None = all real.
        Real positions must come first (left-aligned padding).
      initial_carry: carry to start from (e.g. an encoder's final state);
        None means a⟨0⟩ = 0 in the computation dtype (`dtype`, else the
        promotion of the inputs with float32 params, as flax's Dense does).
        The carry keeps its dtype over the steps.

    Returns:
      (final carry, outputs [batch, time, features]); the final carry is the
      state after each sequence's last real step, outputs are 0 at padding.
    """
    batch, time = inputs.shape[:2]
    if mask is None:
      mask = jnp.ones((batch, time), bool)
    if mask.shape != (batch, time):
      raise ValueError(f'mask must have shape {(batch, time)}, got {mask.shape}')
    if initial_carry is None:
      # A float32 carry under a float64 computation made lax.scan fail (carry
      # types differ); a bfloat16 one silently ran the cell's state in float32.
      initial_carry = self.initialize_carry(
          batch, jnp.result_type(inputs.dtype, jnp.float32) if self.dtype is None else self.dtype
      )
    scan = nn.scan(
        _masked_step,
        variable_broadcast='params',
        split_rngs={'params': False},
        in_axes=1,
        out_axes=1,
    )
    return scan(self.cell, initial_carry, (inputs, mask.astype(bool)))
