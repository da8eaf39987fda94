"""Tests for the encoder–decoder (notes 5.3) and the translation task."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.sequence import dates
from jaxdl.sequence import rnn
from jaxdl.sequence import seq2seq
from jaxdl.sequence import translation

SRC_V, TGT_V = dates.SOURCE_VOCAB_SIZE, dates.TARGET_VOCAB_SIZE


def _batch():
  rs = np.random.RandomState(0)
  source = rs.randint(1, SRC_V, (3, 6)).astype(np.int32)
  source[1, 4:] = 0  # variable source lengths: 6, 4, 2
  source[2, 2:] = 0
  target_input = rs.randint(3, TGT_V, (3, 4)).astype(np.int32)
  target_input[:, 0] = 1  # BOS
  return jnp.asarray(source), jnp.asarray(source > 0), jnp.asarray(target_input)


# The sizes of the translate smoke config, so that initialiser compilations
# (cached by shape) are shared with the experiments test.
SIZES = dict(embed_dim=8, features=16)


@functools.lru_cache(maxsize=None)
def _model(attention):
  model = seq2seq.EncoderDecoder(SRC_V, TGT_V, attention=attention, **SIZES)
  return model, model.init(jax.random.key(0), *_batch())


@pytest.fixture(params=[False, True], ids=['plain', 'attention'])
def model_and_vars(request):
  return _model(request.param)


@pytest.fixture
def attention_model_and_vars():
  return _model(True)


def test_decoder_starts_from_encoder_final_state():
  """Without attention the output is the notes' 5.3 pipeline, rebuilt here
  from the parameters: encoder final state -> decoder -> readout."""
  model, variables = _model(False)
  source, mask, tgt = _batch()
  p = variables['params']
  logits = model.apply(variables, source, mask, tgt)
  enc = rnn.Recurrence('gru', 16)
  emb_s = p['source_embed']['embedding'][source]
  carry, _ = enc.apply({'params': p['encoder']}, emb_s, mask)
  embedding = model.apply(variables, source, mask, method=model.embed_sequence)
  np.testing.assert_allclose(embedding, carry, atol=1e-6)
  _, hidden = enc.apply({'params': p['decoder']}, p['target_embed']['embedding'][tgt], None, carry)
  ref = hidden @ p['readout']['kernel'] + p['readout']['bias']
  np.testing.assert_allclose(logits, ref, atol=1e-5)
  with pytest.raises(ValueError, match='attention'):
    model.apply(variables, source, mask, tgt, method=model.attention_weights)


def test_sequence_embedding_ignores_padding(attention_model_and_vars):
  model, variables = attention_model_and_vars
  source, mask, _ = _batch()
  emb = model.apply(variables, source, mask, method=model.embed_sequence)
  longer = jnp.pad(source, ((0, 0), (0, 5)))
  emb2 = model.apply(variables, longer, longer > 0, method=model.embed_sequence)
  assert emb.shape == (3, 16)
  np.testing.assert_allclose(emb, emb2, atol=1e-6)
  assert not np.allclose(emb[0], emb[1])  # different inputs, different codes


def test_teacher_forcing_is_causal(model_and_vars):
  """Logits at step t depend on target tokens up to t only."""
  model, variables = model_and_vars
  source, mask, tgt = _batch()
  logits = model.apply(variables, source, mask, tgt)
  changed = tgt.at[:, 2:].set((tgt[:, 2:] + 1) % TGT_V)
  logits2 = model.apply(variables, source, mask, changed)
  np.testing.assert_allclose(logits[:, :2], logits2[:, :2], atol=1e-6)
  assert not np.allclose(logits[:, 2:], logits2[:, 2:])


def test_decode_step_matches_teacher_forcing(model_and_vars):
  model, variables = model_and_vars
  source, mask, tgt = _batch()
  logits = model.apply(variables, source, mask, tgt)
  state = model.apply(variables, source, mask, method=model.init_decode_state)
  for t in range(tgt.shape[1]):
    log_probs, state = model.apply(variables, state, tgt[:, t], method=model.decode_step)
    np.testing.assert_allclose(log_probs, jax.nn.log_softmax(logits[:, t]), atol=1e-5)


def test_attention_weights_are_a_distribution_over_real_source(attention_model_and_vars):
  model, variables = attention_model_and_vars
  source, mask, tgt = _batch()
  w = model.apply(variables, source, mask, tgt, method=model.attention_weights)
  assert w.shape == (3, 4, 6)
  np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5)
  np.testing.assert_array_equal(
      np.asarray(w)[~np.broadcast_to(np.asarray(mask)[:, None], w.shape)], 0.0
  )
  longer = jnp.pad(source, ((0, 0), (0, 3)))
  np.testing.assert_allclose(
      model.apply(variables, longer, longer > 0, tgt),
      model.apply(variables, source, mask, tgt),
      atol=1e-5,
  )


def test_greedy_equals_beam_one(attention_model_and_vars):
  model, variables = attention_model_and_vars
  source, mask, _ = _batch()
  kw = dict(max_len=5, bos_id=1, eos_id=2, pad_id=0)
  g, gs = seq2seq.translate(model, variables, source, mask, **kw)
  b, bs = seq2seq.translate(model, variables, source, mask, beam_size=1, **kw)
  np.testing.assert_array_equal(g, b)
  _, b3 = seq2seq.translate(model, variables, source, mask, beam_size=3, **kw)
  assert np.all(np.asarray(b3) >= np.asarray(gs) - 1e-5)  # beam never worse.


def test_translation_task_and_exact_match_by_hand():
  task = translation.translation_task()
  logits = jnp.log(jnp.array([[[0.1, 0.9], [0.8, 0.2]], [[0.5, 0.5], [0.3, 0.7]]]))
  pad = dates.TARGET_PAD  # 0; token 1 stands for a real token here.
  batch = {'target': jnp.array([[1, 1], [1, pad]]), 'mask': jnp.array([1.0, 1.0])}
  loss, m = task.loss_fn(logits, batch)
  ref = -(np.log(0.9) + np.log(0.2) + np.log(0.5))
  np.testing.assert_allclose(m['loss'][0], ref, rtol=1e-6)
  assert float(m['loss'][1]) == 3
  np.testing.assert_allclose(loss, ref / 3, rtol=1e-6)
  # row 0 wrong at t=1; row 1 ties at t=0 (argmax picks 0): both wrong.
  assert float(m['error'][0]) == 2 and float(m['token_error'][0]) == 2
  eos = dates.TARGET_EOS
  target = np.array([[5, 6, eos, 0], [5, 6, eos, 0], [5, 6, eos, 0]])
  pred = np.array([[5, 6, eos, 0], [5, 6, eos, 7], [5, 7, eos, 0]])
  assert translation.exact_match(pred, target) == pytest.approx(2 / 3)
  with pytest.raises(ValueError, match='shape'):
    translation.exact_match(pred[:, :2], target)


def test_packing_round_trip():
  splits, info = translation.load_dates(0, num_train=8, num_dev=4, num_test=4)
  model = translation.PackedTranslator(info.num_classes, **SIZES)
  tokens = splits['test']['tokens']
  assert tokens.shape == (4, dates.MAX_SOURCE_LEN + dates.TARGET_LEN + 1)
  source, mask, tgt = model.unpack(jnp.asarray(tokens))
  np.testing.assert_array_equal(source, splits['test']['source'])
  np.testing.assert_array_equal(tgt, splits['test']['target_input'])
  np.testing.assert_array_equal(mask.sum(1), splits['test']['source_length'])


@pytest.mark.slow
def test_learns_to_reverse_short_sequences():
  """End-to-end learning check: reversal needs the whole input, so the
  decoder must use the encoder's representation."""
  rs = np.random.RandomState(0)
  body = rs.randint(3, 6, (256, 3)).astype(np.int32)
  source = body + 0
  target = np.concatenate([body[:, ::-1], np.full((256, 1), 2)], 1)
  tgt_in = np.concatenate([np.full((256, 1), 1), target[:, :-1]], 1)
  model = seq2seq.EncoderDecoder(6, 6, embed_dim=8, features=32)
  params = model.init(jax.random.key(0), source[:2], source[:2] > 0, tgt_in[:2])['params']
  tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(1e-2))
  opt = tx.init(params)

  @jax.jit
  def step(params, opt):
    def loss_fn(p):
      logits = model.apply({'params': p}, source, source > 0, tgt_in)
      return optax.softmax_cross_entropy_with_integer_labels(logits, target).mean()

    loss, grads = jax.value_and_grad(loss_fn)(params)
    updates, opt = tx.update(grads, opt, params)
    return optax.apply_updates(params, updates), opt, loss

  for _ in range(120):
    params, opt, loss = step(params, opt)
  pred, _ = seq2seq.translate(
      model, {'params': params}, source, source > 0, max_len=4, bos_id=1, eos_id=2
  )
  assert translation.exact_match(np.asarray(pred), target) > 0.95


def test_bleu_by_hand():
  from jaxdl.sequence import bleu

  hyp = 'the cat is on the mat'.split()
  ref = 'the cat sat on the mat'.split()
  # p1 = 5/6, p2 = 3/5, p3 = 1/4 (only "on the mat"), no 4-gram match.
  assert bleu.corpus_bleu([hyp], [ref], max_n=3) == pytest.approx(
      (5 / 6 * 3 / 5 * 1 / 4) ** (1 / 3)
  )
  assert bleu.corpus_bleu([hyp], [ref], max_n=4) == 0.0
  # Brevity penalty: 2 tokens against 6, every n-gram right.
  assert bleu.corpus_bleu([['the', 'cat']], [ref], max_n=2) == pytest.approx(np.exp(1 - 6 / 2))
  assert bleu.corpus_bleu([ref], [ref]) == pytest.approx(1.0)
  # Clipping: "the the the" matches "the" only twice.
  assert bleu.corpus_bleu([['the'] * 3], [ref], max_n=1) == pytest.approx(2 / 3 * np.exp(1 - 6 / 3))
  # Corpus level pools counts: p1 = (5 + 2) / (6 + 2), p2 = (3 + 1) / (5 + 1).
  two = bleu.corpus_bleu([hyp, ['the', 'cat']], [ref, ['the', 'cat']], max_n=2)
  assert two == pytest.approx(np.sqrt(7 / 8 * 4 / 6) * np.exp(1 - 8 / 8))
  with pytest.raises(ValueError, match='same length'):
    bleu.corpus_bleu([hyp], [])


def test_attention_plot_checks_shape(tmp_path):
  from jaxdl.sequence import attention_plot

  w = np.full((2, 3), 1 / 3)
  path = attention_plot.plot_attention(w, 'abc', ['1', '<eos>'], str(tmp_path / 'a.png'))
  assert (tmp_path / 'a.png').stat().st_size > 1000 and path.endswith('a.png')
  with pytest.raises(ValueError, match='shape'):
    attention_plot.plot_attention(w, 'ab', ['1', '<eos>'], str(tmp_path / 'b.png'))
