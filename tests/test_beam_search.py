"""Beam search against exhaustive search on a tiny vocabulary."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.sequence import beam_search as bs

PAD, BOS, EOS = 0, 1, 2
VOCAB = 5  # pad, bos, eos, 'a', 'b'
TABLE_ROWS = 101


def _table(seed):
  """Log-probabilities per prefix hash; pad and bos are never emitted."""
  logits = np.random.RandomState(seed).randn(TABLE_ROWS, VOCAB) * 2.0
  logits[:, [PAD, BOS]] = -1e9
  return jax.nn.log_softmax(jnp.asarray(logits, jnp.float32), axis=-1)


def _make_step(table, source_offset):
  """A toy decoder whose next-token distribution depends on the whole prefix
  (through a rolling hash) and on the source sequence (its offset)."""

  def step(state, tokens):
    h = (state['h'] * 7 + tokens + 1) % TABLE_ROWS
    return table[(h + state['src']) % TABLE_ROWS], {'h': h, 'src': state['src']}

  init = {
      'h': jnp.zeros((len(source_offset),), jnp.int32),
      'src': jnp.asarray(source_offset, jnp.int32),
  }
  return step, init


def _exhaustive(table, offset, max_len):
  """Every hypothesis: EOS at step n <= max_len, or max_len tokens, no EOS."""
  table = np.asarray(table, np.float64)
  hyps = []
  for n in range(1, max_len + 1):
    for body in itertools.product([3, 4], repeat=n - 1):
      for last in ([EOS] if n < max_len else [EOS, 3, 4]):
        seq = list(body) + [last]
        h, score = 0, 0.0
        prev = BOS
        for tok in seq:
          h = (h * 7 + prev + 1) % TABLE_ROWS
          score += table[(h + offset) % TABLE_ROWS, tok]
          prev = tok
        hyps.append((score, tuple(seq + [PAD] * (max_len - len(seq)))))
  hyps.sort(key=lambda x: -x[0])
  return hyps


@pytest.mark.parametrize('seed', [0, 1])
def test_full_beam_equals_exhaustive_search(seed):
  max_len = 4
  table = _table(seed)
  offsets = [0, 17, 55]
  step, init = _make_step(table, offsets)
  n_hyps = 2**max_len + (2**max_len - 1)  # 31 hypotheses.
  tokens, scores = jax.jit(
      lambda s: bs.beam_search(
          step,
          s,
          batch_size=3,
          beam_size=n_hyps,
          max_len=max_len,
          bos_id=BOS,
          eos_id=EOS,
          pad_id=PAD,
      )
  )(init)
  for b, off in enumerate(offsets):
    ref = _exhaustive(table, off, max_len)
    assert len(ref) == n_hyps
    np.testing.assert_allclose(scores[b], [s for s, _ in ref], rtol=1e-5, atol=1e-5)
    got = {tuple(t) for t in np.asarray(tokens[b]).tolist()}
    assert got == {h for _, h in ref}
    assert tuple(np.asarray(tokens[b, 0]).tolist()) == ref[0][1]


def test_small_beam_is_a_valid_hypothesis_no_better_than_exhaustive():
  max_len = 5
  table = _table(3)
  offsets = list(range(0, 100, 7))
  step, init = _make_step(table, offsets)
  greedy, g_score = bs.greedy_decode(
      step, init, batch_size=len(offsets), max_len=max_len, bos_id=BOS, eos_id=EOS, pad_id=PAD
  )
  tokens, scores = bs.beam_search(
      step,
      init,
      batch_size=len(offsets),
      beam_size=3,
      max_len=max_len,
      bos_id=BOS,
      eos_id=EOS,
      pad_id=PAD,
  )
  found_better = 0
  for b, off in enumerate(offsets):
    ref = dict((h, s) for s, h in _exhaustive(table, off, max_len))
    best = max(ref.values())
    for k in range(3):
      hyp = tuple(np.asarray(tokens[b, k]).tolist())
      np.testing.assert_allclose(scores[b, k], ref[hyp], rtol=1e-5, atol=1e-5)
    g = tuple(np.asarray(greedy[b]).tolist())
    np.testing.assert_allclose(g_score[b], ref[g], rtol=1e-5, atol=1e-5)
    assert g_score[b] <= scores[b, 0] + 1e-5 <= best + 2e-5
    found_better += int(scores[b, 0] > g_score[b] + 1e-4)
  assert found_better > 0  # this table has cases where greedy is suboptimal.


def test_beam_of_one_is_greedy():
  step, init = _make_step(_table(4), [3, 9, 21, 40])
  greedy, g_score = bs.greedy_decode(
      step, init, batch_size=4, max_len=6, bos_id=BOS, eos_id=EOS, pad_id=PAD
  )
  tokens, scores = bs.beam_search(
      step, init, batch_size=4, beam_size=1, max_len=6, bos_id=BOS, eos_id=EOS, pad_id=PAD
  )
  np.testing.assert_array_equal(tokens[:, 0], greedy)
  np.testing.assert_allclose(scores[:, 0], g_score, rtol=1e-6)


def test_length_penalty_reorders_final_beam():
  """A longer hypothesis with a slightly worse raw score wins under alpha > 0."""

  # Step 1: EOS (-1.0) or 'a' (-0.9); after 'a' EOS costs -0.2.
  def step(state, tokens):
    first = jnp.log(jnp.array([1e-9, 1e-9, np.exp(-1.0), np.exp(-0.9), 1e-9]))
    after = jnp.log(jnp.array([1e-9, 1e-9, np.exp(-0.2), 1e-9, 1e-9]))
    lp = jnp.where((state == 0)[:, None], first, after)
    return lp, state + 1

  init = jnp.zeros((1,), jnp.int32)
  tokens, scores = bs.beam_search(
      step, init, batch_size=1, beam_size=2, max_len=3, bos_id=BOS, eos_id=EOS, alpha=0.0
  )
  assert tokens[0, 0].tolist() == [EOS, PAD, PAD]  # -1.0 beats -1.1.
  tokens, _ = bs.beam_search(
      step, init, batch_size=1, beam_size=2, max_len=3, bos_id=BOS, eos_id=EOS, alpha=2.0
  )
  # -1.1 / (7/6)^2 = -0.808 beats -1.0 / 1 = -1.0.
  assert tokens[0, 0].tolist() == [3, EOS, PAD]


def test_bad_arguments_raise_on_a_single_row():
  step, init = _make_step(_table(0), [0])
  with pytest.raises(ValueError, match='beam_size'):
    bs.beam_search(step, init, batch_size=1, beam_size=0, max_len=3, bos_id=BOS, eos_id=EOS)
  with pytest.raises(ValueError, match='max_len'):
    bs.greedy_decode(step, init, batch_size=1, max_len=0, bos_id=BOS, eos_id=EOS)


def test_bad_arguments_raise():
  table = _table(0)
  step, init = _make_step(table, [0, 3])
  kw = dict(batch_size=2, max_len=3, bos_id=BOS, eos_id=EOS)
  with pytest.raises(ValueError, match=r'beam_size must be an int >= 1 .*got 0'):
    bs.beam_search(step, init, beam_size=0, **kw)
  with pytest.raises(ValueError, match=r'beam_size must be an int >= 1 .*got 2.0'):
    bs.beam_search(step, init, beam_size=2.0, **kw)
  with pytest.raises(ValueError, match=r'max_len must be an int >= 1 .*got 0'):
    bs.greedy_decode(step, init, **dict(kw, max_len=0))
  with pytest.raises(ValueError, match=r'batch_size must be an int >= 1 .*got 0'):
    bs.greedy_decode(step, init, **dict(kw, batch_size=0))
  with pytest.raises(ValueError, match=r'eos_id must be a token id \(an int >= 0\), got -1'):
    bs.beam_search(step, init, beam_size=2, **dict(kw, eos_id=-1))
  # Before: a pad_id beyond the vocabulary was dropped by .at[].set and every
  # finished hypothesis scored NEG_INF; it is caught when step_fn is traced.
  with pytest.raises(ValueError, match=r'pad_id must be < vocab size 5 \(from step_fn\), got 7'):
    bs.beam_search(step, init, beam_size=2, pad_id=7, **kw)
  with pytest.raises(ValueError, match=r'eos_id must be < vocab size 5'):
    bs.greedy_decode(step, init, **dict(kw, eos_id=5))
  with pytest.raises(
      ValueError, match=r'step_fn must return log_probs \[2, vocab\], got shape \(5,\)'
  ):
    bs.greedy_decode(lambda s, t: (table[0], s), init, **kw)
  with pytest.raises(ValueError, match='alpha must be >= 0, got nan'):
    bs.beam_search(step, init, beam_size=2, alpha=float('nan'), **kw)
  with pytest.raises(ValueError, match='alpha must be >= 0, got -1.0'):
    bs.length_penalty(jnp.arange(3.0), -1.0)
