"""Tests for padding masks (jaxdl.sequence.masking and masked unrolling)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.sequence import masking
from jaxdl.sequence import rnn


def test_lengths_to_mask_by_hand():
  mask = masking.lengths_to_mask(np.array([0, 2, 4]), 4)
  np.testing.assert_array_equal(mask, [[0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 1]])
  assert isinstance(mask, np.ndarray)  # host side stays numpy.
  with pytest.raises(ValueError, match='lengths'):
    masking.lengths_to_mask(np.array([5]), 4)
  with pytest.raises(ValueError, match='lengths'):
    masking.lengths_to_mask(np.array([-1]), 4)


@pytest.mark.parametrize('cell_type', rnn.CELL_TYPES)
def test_padding_is_invisible(cell_type):
  """Each padded sequence's final state and real outputs equal those of the
  same sequence run alone, unpadded; padded outputs are exactly zero."""
  lengths = [5, 2, 3]
  rs = np.random.RandomState(0)
  seqs = [rs.randn(n, 3).astype(np.float32) for n in lengths]
  padded = np.zeros((3, 5, 3), np.float32)
  for i, s in enumerate(seqs):
    padded[i, : len(s)] = s
    padded[i, len(s) :] = 99.0  # garbage that must not leak in.
  mask = masking.lengths_to_mask(np.array(lengths), 5)
  model = rnn.Recurrence(cell_type, 4)
  variables = model.init(jax.random.key(0), padded, mask)
  carry, outs = model.apply(variables, padded, mask)
  for i, s in enumerate(seqs):
    # Reference: the sequence alone, unpadded, stepped by hand.
    c_i = model.apply(variables, 1, method=model.initialize_carry)
    for t in range(len(s)):
      c_i, o_t = model.apply(variables, c_i, s[None, t], method=model.step)
      np.testing.assert_allclose(outs[i, t], o_t[0], atol=1e-5)
    np.testing.assert_allclose(rnn.hidden_of(carry)[i], rnn.hidden_of(c_i)[0], atol=1e-5)
    np.testing.assert_array_equal(outs[i, len(s) :], 0.0)


def test_bad_mask_shape_raises():
  model = rnn.Recurrence('gru', 4)
  x = jnp.ones((2, 3, 1))
  with pytest.raises(ValueError, match='mask'):
    model.init(jax.random.key(0), x, jnp.ones((2, 4), bool))


def test_masked_cross_entropy_matches_unpadded_numpy():
  rs = np.random.RandomState(1)
  logits = rs.randn(2, 4, 5).astype(np.float32)
  targets = rs.randint(0, 5, (2, 4)).astype(np.int32)
  lengths = np.array([4, 1])
  mask = masking.lengths_to_mask(lengths, 4)
  total, count = masking.masked_token_cross_entropy(
      jnp.asarray(logits), jnp.asarray(targets), jnp.asarray(mask)
  )
  ref = 0.0
  for b, n in enumerate(lengths):
    for t in range(n):
      z = logits[b, t].astype(np.float64)
      ref += np.log(np.exp(z).sum()) - z[targets[b, t]]
  np.testing.assert_allclose(total, ref, rtol=1e-5)
  assert count == 5
  hits, count = masking.masked_token_accuracy(
      jnp.asarray(logits), jnp.asarray(targets), jnp.asarray(mask)
  )
  ref_hits = sum(
      int(logits[b, t].argmax() == targets[b, t]) for b, n in enumerate(lengths) for t in range(n)
  )
  assert hits == ref_hits and count == 5


def test_masked_mean_over_time():
  values = jnp.arange(12, dtype=jnp.float32).reshape(2, 3, 2)
  mask = jnp.array([[1, 1, 0], [0, 0, 0]], bool)
  out = masking.masked_mean_over_time(values, mask)
  np.testing.assert_allclose(out, [[1.0, 2.0], [0.0, 0.0]])
