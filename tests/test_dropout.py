"""Tests for inverted dropout with keep_prob (notes 2.3.2)."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.regularization import dropout


def test_expected_activation_is_preserved():
  a = jax.random.uniform(jax.random.key(0), (4, 5)) + 0.5
  keys = jax.random.split(jax.random.key(1), 20000)
  out = jax.vmap(lambda k: dropout.inverted_dropout(k, a, 0.8))(keys)
  # Per-unit mean over masks: std of the estimate is a*sqrt(0.2/0.8)/sqrt(N).
  stderr = np.asarray(a) * 0.5 / np.sqrt(20000)
  assert np.all(np.abs(np.asarray(out.mean(0)) - np.asarray(a)) < 5 * stderr)
  kept = np.asarray(out != 0).mean()
  assert abs(kept - 0.8) < 0.005
  # Surviving units are exactly a / keep_prob (the notes' a3 /= keep_prob).
  nz = np.asarray(out[0]) != 0
  np.testing.assert_allclose(np.asarray(out[0])[nz], np.asarray(a)[nz] / 0.8, rtol=1e-6)


def test_identity_at_evaluation_and_keep_prob_one():
  a = jnp.arange(6.0)
  np.testing.assert_array_equal(
      dropout.inverted_dropout(jax.random.key(0), a, 0.5, deterministic=True), a
  )
  np.testing.assert_array_equal(dropout.inverted_dropout(jax.random.key(0), a, 1.0), a)


def test_flax_dropout_is_the_same_inverted_dropout():
  """flax nn.Dropout(rate=1-keep_prob): same keep rate, same 1/keep_prob
  scaling, same identity at evaluation - so models use flax's layer."""
  keep_prob = 0.7
  layer = nn.Dropout(rate=dropout.keep_prob_to_rate(keep_prob))
  a = jnp.ones((200, 200)) * 3.0
  out = layer.apply({}, a, deterministic=False, rngs={"dropout": jax.random.key(0)})
  nz = np.asarray(out) != 0
  assert abs(nz.mean() - keep_prob) < 0.01
  np.testing.assert_allclose(np.asarray(out)[nz], 3.0 / keep_prob, rtol=1e-6)
  np.testing.assert_allclose(out.mean(), 3.0, rtol=0.02)
  np.testing.assert_array_equal(layer.apply({}, a, deterministic=True), a)
  # Bit-for-bit with the same key (flax's explicit rng= argument).
  key = jax.random.key(9)
  mine = dropout.inverted_dropout(key, a, keep_prob)
  theirs = layer.apply({}, a, deterministic=False, rng=key)
  np.testing.assert_array_equal(mine, theirs)


def test_bad_keep_prob_raises():
  with pytest.raises(ValueError, match="keep_prob"):
    dropout.inverted_dropout(jax.random.key(0), jnp.ones(3), 0.0)
  with pytest.raises(ValueError, match="keep_prob"):
    dropout.keep_prob_to_rate(1.5)
