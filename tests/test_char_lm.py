"""Tests for the character language model and its corpora (notes 5.2)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.sequence import char_lm
from jaxdl.sequence import corpus


def test_vocabulary_round_trip_and_folding():
  text = 'def f(x):\n    return {"a": x ~ 1}'
  assert corpus.decode(corpus.encode(text)) == text
  assert corpus.VOCAB_SIZE == 96
  assert corpus.normalize_text('“it’s” — ok… é') == '"it\'s" -- ok... ?'
  with pytest.raises(ValueError, match='ids'):
    corpus.decode([96])


def test_stdlib_corpus_is_real_and_sizeable():
  docs = corpus.stdlib_documents()
  text = ''.join(docs.values())
  assert len(docs) > 50 and len(text) > 300_000
  assert 'The "assert" statement' in docs['assert']  # real prose, not noise
  splits = corpus.split_documents(docs, seed=0)
  assert sum(map(len, splits.values())) >= len(text)
  # Whole documents are dealt out: a document lands in exactly one split.
  for name, doc in docs.items():
    if len(doc) > 2000:
      assert sum(doc in s for s in splits.values()) == 1, name
  n = sum(len(s) for s in splits.values())
  assert 0.03 < len(splits['dev']) / n < 0.15
  assert 0.03 < len(splits['test']) / n < 0.15
  assert splits == corpus.split_documents(docs, seed=0)  # deterministic
  assert splits['test'] != corpus.split_documents(docs, seed=1)['test']


def test_windows_predict_every_character_once():
  ids = corpus.encode('hello, world')  # 12 characters -> 11 predictions
  w = corpus.windows(ids, 4)
  assert w['inputs'].shape == (3, 4)
  real = w['target_mask'].reshape(-1) > 0
  assert real.sum() == 11
  np.testing.assert_array_equal(w['targets'].reshape(-1)[real], ids[1:])
  np.testing.assert_array_equal(w['inputs'].reshape(-1)[real], ids[:-1])
  with pytest.raises(ValueError, match='seq_len'):
    corpus.windows(ids, 0)


def test_tiny_shakespeare_conversion(monkeypatch):
  """The TFDS text strings (faked here: no network in tests) become
  windows with TFDS's validation split as dev."""
  from jaxdl.data import tfds_source

  fake = {
      'train': {'text': np.array([b'First Citizen:\nBefore we proceed'])},
      'validation': {'text': np.array([b'ROMEO:\nBut soft'])},
      'test': {'text': np.array([b'JULIET:\nO Romeo'])},
  }
  monkeypatch.setattr(tfds_source, 'load_tfds', lambda *a, **k: (fake, None))
  splits, info = corpus.load_tiny_shakespeare(seq_len=8)
  assert info.num_classes == 96 and info.input_key == 'inputs'
  dev = splits['dev']
  real = dev['target_mask'].reshape(-1) > 0
  assert corpus.decode(dev['inputs'].reshape(-1)[real]) + 't' == 'ROMEO:\nBut soft'


def test_sample_token_follows_tempered_softmax():
  logits = jnp.array([2.0, 1.0, 0.0, -1.0])
  n = 40_000
  for temperature in (0.5, 1.0, 2.0):
    draws = char_lm.sample_token(jax.random.key(0), jnp.broadcast_to(logits, (n, 4)), temperature)
    freq = np.bincount(np.asarray(draws), minlength=4) / n
    z = np.asarray(logits) / temperature
    ref = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    np.testing.assert_allclose(freq, ref, atol=0.01)
  greedy = char_lm.sample_token(jax.random.key(1), logits[None], 0.0)
  assert int(greedy[0]) == 0
  with pytest.raises(ValueError, match='temperature'):
    char_lm.sample_token(jax.random.key(0), logits, -1.0)


@pytest.fixture(scope='module')
def tiny_model():
  model = char_lm.CharLM(num_classes=96, embed_dim=8, features=16, num_layers=2)
  params = model.init(jax.random.key(0), jnp.zeros((1, 4), jnp.int32))['params']
  return model, params


def test_step_by_step_equals_full_call(tiny_model):
  model, params = tiny_model
  x = jnp.asarray(corpus.encode('abcdefg'))[None]
  logits = model.apply({'params': params}, x)
  carries, first = model.apply({'params': params}, x[:, :1], method=model.prime)
  np.testing.assert_allclose(first[:, 0], logits[:, 0], atol=1e-5)
  for t in range(1, 7):
    carries, step_logits = model.apply({'params': params}, carries, x[:, t], method=model.step)
    np.testing.assert_allclose(step_logits, logits[:, t], atol=1e-5)


def test_sample_feeds_each_character_back(tiny_model):
  model, params = tiny_model
  prompt = jnp.asarray(corpus.encode('The '))[None]
  out = char_lm.sample(model, params, prompt, 6, jax.random.key(3), 0.7)
  # Reference: the same keys, stepping by hand.
  carries, logits = model.apply({'params': params}, prompt, method=model.prime)
  last = logits[:, -1]
  for t, key in enumerate(jax.random.split(jax.random.key(3), 6)):
    token = char_lm.sample_token(key, last, 0.7)
    assert int(token[0]) == int(out[0, t])
    carries, last = model.apply({'params': params}, carries, token, method=model.step)
  with pytest.raises(ValueError, match='length'):
    char_lm.sample(model, params, prompt, 0, jax.random.key(3), 1.0)


def test_perplexity_of_uniform_model_is_vocabulary_size():
  task = char_lm.language_model_task()
  batch = {
      'targets': jnp.array([[3, 5, 7], [1, 2, 0]]),
      'target_mask': jnp.array([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]]),
      'mask': jnp.array([1.0, 1.0]),
  }
  loss, metrics = task.loss_fn(jnp.zeros((2, 3, 96)), batch)
  nll, count = metrics['loss']
  assert float(count) == 5
  np.testing.assert_allclose(char_lm.perplexity(float(nll), float(count)), 96, rtol=1e-5)
  np.testing.assert_allclose(loss, math.log(96), rtol=1e-6)
  # A padded evaluation row (mask 0) counts for nothing.
  batch['mask'] = jnp.array([1.0, 0.0])
  _, metrics = task.loss_fn(jnp.zeros((2, 3, 96)), batch)
  assert float(metrics['loss'][1]) == 3
  with pytest.raises(ValueError, match='count'):
    char_lm.perplexity(1.0, 0)


@pytest.mark.slow
def test_learns_a_periodic_text():
  """A small GRU LM learns 'abcd' repeated: perplexity -> ~1 (from 96)."""
  ids = corpus.encode('abcd' * 40)
  data = corpus.windows(ids, 16)
  model = char_lm.CharLM(num_classes=96, embed_dim=8, features=16)
  params = model.init(jax.random.key(0), data['inputs'][:1])['params']
  tx = optax.chain(optax.clip_by_global_norm(1.0), optax.adam(0.03))
  opt = tx.init(params)
  task = char_lm.language_model_task()

  @jax.jit
  def step(params, opt):
    loss, grads = jax.value_and_grad(
        lambda p: task.loss_fn(model.apply({'params': p}, data['inputs']), data)[0]
    )(params)
    updates, opt = tx.update(grads, opt, params)
    return optax.apply_updates(params, updates), opt, loss

  for _ in range(60):
    params, opt, loss = step(params, opt)
  # The first character of each window is unpredictable from nothing but
  # the window; the rest is determined, so perplexity falls well below 2.
  assert math.exp(float(loss)) < 1.5


def test_registered_in_the_core_registry():
  from jaxdl.data.registry import load_dataset

  ds = load_dataset('pydoc_text', seed=0)
  assert set(ds.splits) == {'train', 'dev', 'test'}
  assert ds.info.num_classes == corpus.VOCAB_SIZE
  assert ds.splits['train']['inputs'].shape[1] == 128
  assert ds.splits['train']['target_mask'].sum() > 300_000
