"""WMT through TFDS (jaxdl/sequence/wmt.py): conversion, vocabulary,
truncation, the translate experiment on mock WMT data, offline failure.

No network: TFDS data comes from `tfds.testing.mock_data`, and the network
probe is replaced by a stand-in.
"""

import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jaxdl.data import tfds_source  # noqa: E402
from jaxdl.errors import DatasetUnavailableError  # noqa: E402
from jaxdl.sequence import bleu  # noqa: E402
from jaxdl.sequence import translation  # noqa: E402
from jaxdl.sequence import wmt  # noqa: E402
from launch.configs import translate as translate_config  # noqa: E402

WMT = 'wmt14_translate/de-en'


def test_vocab_ranks_by_frequency_and_round_trips():
  vocab = wmt.build_vocab(['abba', 'cab'], max_size=wmt.NUM_SPECIAL + 2)
  # counts a:3, b:3, c:1 -> 'a', 'b' (tie broken by code point); 'c' is cut.
  assert vocab.chars == 'ab' and vocab.size == 6
  assert vocab.ids('abc') == [4, 5, wmt.UNK]
  assert vocab.text(vocab.ids('abc')) == 'ab\ufffd'
  full = wmt.build_vocab(['Grüße, Straße!', 'naïve'], max_size=100)
  text = 'Straße, naïve Grüße!'
  ids = full.ids(text)
  assert wmt.UNK not in ids and full.text(ids) == text
  # BOS/PAD skipped, EOS ends the text.
  assert full.text([wmt.BOS] + ids[:3] + [wmt.EOS] + ids[3:]) == 'Str'
  with pytest.raises(ValueError, match='max_size'):
    wmt.build_vocab(['a'], max_size=wmt.NUM_SPECIAL)


def test_encode_pairs_layout_and_truncation_counts():
  sv = wmt.build_vocab(['hallo welt', 'ja'], 50)
  tv = wmt.build_vocab(['hello world', 'yes'], 50)
  split, cut = wmt.encode_pairs(
      ['hallo welt', 'ja'], ['hello world', 'yes'], sv, tv, max_source_len=5, max_target_len=4
  )
  assert cut == (1, 1)  # 'hallo welt' (10 > 5) and 'hello world' (11 > 4)
  assert split['source'].shape == (2, 5) and split['target'].shape == (2, 5)
  np.testing.assert_array_equal(split['source_length'], [5, 2])
  np.testing.assert_array_equal(split['source'][1], sv.ids('ja') + [0, 0, 0])
  # Teacher forcing: inputs BOS y1..yk, targets y1..yk EOS, then padding.
  np.testing.assert_array_equal(split['target_input'][1], [wmt.BOS] + tv.ids('yes') + [wmt.PAD])
  np.testing.assert_array_equal(split['target'][1], tv.ids('yes') + [wmt.EOS, 0])
  np.testing.assert_array_equal(split['target'][0], tv.ids('hell') + [wmt.EOS])
  assert tv.text(split['target'][0]) == 'hell'
  np.testing.assert_array_equal(
      split['tokens'], np.concatenate([split['source'], split['target_input']], axis=1)
  )
  assert all(v.dtype == np.int32 for v in split.values())
  with pytest.raises(ValueError, match='max_source_len'):
    wmt.encode_pairs(['a'], ['b'], sv, tv, 0, 4)
  with pytest.raises(ValueError, match='same length'):
    wmt.encode_pairs(['a'], [], sv, tv, 3, 4)


def test_bleu_of_decoded_ids_uses_full_references():
  vocab = wmt.build_vocab(['the cat sat on the mat'], 50)
  refs = ['the cat sat on the mat', 'the cat sat on the mat']
  ids = np.array([vocab.ids('the cat sat on the mat') + [wmt.EOS, 0]] * 2, np.int32)
  assert wmt.corpus_bleu(ids, refs, vocab) == pytest.approx(1.0)
  # A hypothesis cut to 4 words keeps precision 1 but pays the brevity
  # penalty exp(1 - 12/8) against the full references.
  short = np.array([vocab.ids('the cat sat on') + [wmt.EOS]] * 2, np.int32)
  assert wmt.corpus_bleu(short, refs, vocab) == pytest.approx(np.exp(1 - 12 / 8))


def _mock(num_examples):
  import tensorflow_datasets as tfds

  return tfds.testing.mock_data(num_examples=num_examples, policy=tfds.testing.MockPolicy.USE_CODE)


def test_tfds_conversion_with_mock_data(monkeypatch, tmp_path):
  monkeypatch.setattr(tfds_source, 'network_reachable', lambda timeout_s=3.0: True)
  with _mock(12):
    pairs = wmt.read_tfds_pairs(
        WMT,
        'de',
        'en',
        {'train': 10, 'dev': 5, 'test': 20},
        data_dir=str(tmp_path),
        allow_download=True,
    )
    with pytest.raises(ValueError, match="source_lang='fr'"):
      wmt.read_tfds_pairs(
          WMT, 'fr', 'en', {'train': 1}, data_dir=str(tmp_path), allow_download=True
      )
  # At most the limit, at most what the split has (12 mock examples).
  assert {k: len(v[0]) for k, v in pairs.items()} == {'train': 10, 'dev': 5, 'test': 12}
  assert all(isinstance(t, str) and t for v in pairs.values() for t in v[0] + v[1])
  data = wmt.make_data(pairs, max_source_len=8, max_target_len=6, max_vocab=64, description='mock')
  src, tgt = pairs['train']
  # Truncation counts match a direct count of the mock sentences.
  assert data.truncated['train'] == (sum(len(s) > 8 for s in src), sum(len(t) > 6 for t in tgt))
  assert 'train: 10 pairs' in data.truncation_report()
  # Every train source round-trips up to the cut (vocabulary from train).
  train = data.splits['train']
  for i, s in enumerate(src):
    assert data.decode_source(train['source'][i], train['source_length'][i]) == s[:8]
    assert data.decode_target(train['target'][i]) == tgt[i][:6]
  assert data.references['test'] == pairs['test'][1]
  assert data.info.num_classes == data.target_vocab.size
  assert data.model_kwargs['source_vocab_size'] == data.source_vocab.size


def test_offline_failure_is_fast_and_names_embedded_datasets(monkeypatch, tmp_path):
  monkeypatch.setattr(tfds_source, 'network_reachable', lambda timeout_s=3.0: False)
  t0 = time.perf_counter()
  with pytest.raises(DatasetUnavailableError, match='network is unreachable') as e:
    wmt.read_tfds_pairs(WMT, 'de', 'en', {'train': 5}, data_dir=str(tmp_path), allow_download=True)
  assert 'dates' in str(e.value) and WMT in str(e.value)
  with pytest.raises(DatasetUnavailableError, match='downloads are off'):
    wmt.read_tfds_pairs(WMT, 'de', 'en', {'train': 5}, data_dir=str(tmp_path), allow_download=False)
  with pytest.raises(DatasetUnavailableError, match='unknown TFDS dataset'):
    wmt.read_tfds_pairs(
        'no_such_translation_set',
        'de',
        'en',
        {'train': 5},
        data_dir=str(tmp_path),
        allow_download=False,
    )
  assert time.perf_counter() - t0 < 10.0
  # Through the experiment's config path too.
  config = translate_config.get_config('wmt')
  config.data.data_dir = str(tmp_path)
  with pytest.raises(DatasetUnavailableError, match='dates'):
    wmt.load_from_config(config)


def _wmt_smoke_config(tmp_path):
  """The :wmt config at the :smoke variant's training sizes."""
  config = translate_config.get_config('wmt')
  smoke = translate_config.get_config('smoke')
  for key in (
      'batch_size',
      'eval_batch_size',
      'num_train_steps',
      'log_every_steps',
      'eval_every_steps',
      'checkpoint_every_steps',
  ):
    config[key] = smoke[key]
  config.model_kwargs.update(smoke.model_kwargs)
  config.translate.update(num_train=40, num_dev=8, num_test=8, beam_size=2, num_examples=2)
  config.wmt.update(max_source_len=12, max_target_len=10, max_vocab=40)
  config.data.data_dir = str(tmp_path / 'tfds')
  return config


def test_translate_experiment_on_mock_wmt(monkeypatch, tmp_path):
  from jaxdl.sequence import translate_experiment

  monkeypatch.setattr(tfds_source, 'network_reachable', lambda timeout_s=3.0: True)
  config = _wmt_smoke_config(tmp_path)
  seen = {}
  real_decode, real_make = translation.decode_split, wmt.make_data

  def decode_spy(model, params, split, **kw):
    out = real_decode(model, params, split, **kw)
    seen[(kw['beam_size'], len(split['source']))] = out
    return out

  def make_spy(*a, **kw):
    seen['data'] = real_make(*a, **kw)
    return seen['data']

  monkeypatch.setattr(translation, 'decode_split', decode_spy)
  monkeypatch.setattr(wmt, 'make_data', make_spy)
  with _mock(40):
    pairs = wmt.read_tfds_pairs(
        config.dataset, 'de', 'en', {'test': 8}, data_dir=config.data.data_dir, allow_download=True
    )
    result = translate_experiment.run(config, str(tmp_path / 'run'))
  assert int(result.run.state.step) == config.num_train_steps
  assert set(result.bleu) == {'greedy', 'beam 2'}
  assert all(set(by) == {'dev', 'test'} for by in result.bleu.values())
  # The reported test BLEU is bleu.corpus_bleu of the greedy output's words
  # against the full mock references, read here on their own.
  vocab = seen['data'].target_vocab
  hyps = [vocab.text(row).split() for row in seen[(1, 8)]]
  refs = [r.split() for r in pairs['test'][1]]
  assert result.bleu['greedy']['test'] == pytest.approx(bleu.corpus_bleu(hyps, refs))
  assert all(0.0 <= v <= 1.0 for by in result.bleu.values() for v in by.values())
  assert '| exact match | BLEU |' in result.table
  assert '| greedy | test | 8 |' in result.table
  assert [e[2] for e in result.examples] == pairs['test'][1][:2]  # full references
  for name in ('translations.md', 'attention.png'):
    assert (tmp_path / 'run' / name).exists(), name
