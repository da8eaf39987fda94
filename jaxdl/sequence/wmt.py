"""A WMT translation pair through TFDS, as character ids for the translator.

Online counterpart of the dates task (notes 5.3): a TFDS translation
dataset such as 'wmt14_translate/de-en' (each example a dict
{language: sentence}) becomes the same packed splits `translation.load_dates`
makes — 'source', 'source_length', 'target_input', 'target', 'tokens' — so
`PackedTranslator` and the translate experiment run on it unchanged.

Tokens are characters, one vocabulary per language built from the training
sentences (most frequent characters first, the rest mapped to UNK): no
subword model to train or download, at the price of long sequences.
Sentences longer than the configured maximum are truncated; how many were
cut is counted per split and reported, because the references BLEU scores
against are always the full, untruncated sentences.

Only the first `num_train` training pairs are read (WMT14 de-en has 4.5
million), through the random-access `as_data_source` when the prepared
files are ArrayRecord, else through `as_dataset` (needs tensorflow-cpu,
requirements-tfds.txt). Availability follows the core's TFDS rules
(`jaxdl.data.tfds_source`): no download when none is allowed or the network
is unreachable, failing at once with DatasetUnavailableError naming the
embedded datasets.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Optional, Sequence

import numpy as np

from jaxdl.data.dataset import DatasetInfo
from jaxdl.sequence import bleu
from jaxdl.sequence import dates
from jaxdl.sequence import translation

# The decoder (`translation._decode`) uses the dates task's special ids, so
# both vocabularies share them: 0 padding, 1 BOS, 2 EOS; 3 is unknown.
PAD, BOS, EOS, UNK = dates.TARGET_PAD, dates.TARGET_BOS, dates.TARGET_EOS, 3
NUM_SPECIAL = 4
assert (PAD, BOS, EOS) == (0, 1, 2) and dates.SOURCE_PAD == PAD

# Our split names -> TFDS's.
_TFDS_SPLITS = {'train': 'train', 'dev': 'validation', 'test': 'test'}


@dataclasses.dataclass(frozen=True)
class CharVocab:
  """Character ids: PAD, BOS, EOS, UNK, then `chars` from id NUM_SPECIAL."""

  chars: str

  def __post_init__(self):
    if len(set(self.chars)) != len(self.chars):
      raise ValueError('chars must not repeat a character')

  @property
  def size(self) -> int:
    return len(self.chars) + NUM_SPECIAL

  def ids(self, text: str) -> list[int]:
    index = {c: i + NUM_SPECIAL for i, c in enumerate(self.chars)}
    return [index.get(c, UNK) for c in text]

  def text(self, ids) -> str:
    """Ids -> text, stopping at the first EOS; PAD and BOS are skipped and
    UNK is written as U+FFFD."""
    out = []
    for i in np.asarray(ids).reshape(-1).tolist():
      if i == EOS:
        break
      if i == UNK:
        out.append('\ufffd')
      elif i >= NUM_SPECIAL:
        out.append(self.chars[i - NUM_SPECIAL])
    return ''.join(out)


def build_vocab(texts: Sequence[str], max_size: int) -> CharVocab:
  """The `max_size - NUM_SPECIAL` most frequent characters of `texts`
  (ties broken by code point, so the vocabulary is deterministic)."""
  if max_size <= NUM_SPECIAL:
    raise ValueError(f'max_size must be > {NUM_SPECIAL} (the special ids), ' f'got {max_size}')
  counts = collections.Counter()
  for text in texts:
    counts.update(text)
  ranked = sorted(counts, key=lambda c: (-counts[c], c))
  return CharVocab(''.join(ranked[: max_size - NUM_SPECIAL]))


def encode_pairs(
    sources: Sequence[str],
    targets: Sequence[str],
    source_vocab: CharVocab,
    target_vocab: CharVocab,
    max_source_len: int,
    max_target_len: int,
):
  """Sentence pairs -> one split in the dates task's format.

  Args:
    sources, targets: N sentences each.
    max_source_len: S, source characters kept (longer sources truncated).
    max_target_len: target characters kept; the decoder arrays have one
      more position, for BOS (inputs) or EOS (targets).

  Returns:
    (split, (source_truncated, target_truncated)): split has 'source' [N, S],
    'source_length' [N], 'target_input' [N, T+1] (BOS, chars),
    'target' [N, T+1] (chars, EOS), 'tokens' [N, S+T+1], all int32; the
    counts are how many sentences of each side were cut.
  """
  if len(sources) != len(targets):
    raise ValueError(
        f'sources ({len(sources)}) and targets ({len(targets)}) ' 'must have the same length'
    )
  for name, value in (('max_source_len', max_source_len), ('max_target_len', max_target_len)):
    if value < 1:
      raise ValueError(f'{name} must be >= 1, got {value}')
  n, t = len(sources), max_target_len + 1
  source = np.full((n, max_source_len), PAD, np.int32)
  length = np.zeros((n,), np.int32)
  target_input = np.full((n, t), PAD, np.int32)
  target = np.full((n, t), PAD, np.int32)
  cut_source = cut_target = 0
  for i, (src, tgt) in enumerate(zip(sources, targets)):
    cut_source += len(src) > max_source_len
    cut_target += len(tgt) > max_target_len
    s = source_vocab.ids(src[:max_source_len])
    y = target_vocab.ids(tgt[:max_target_len])
    source[i, : len(s)], length[i] = s, len(s)
    target_input[i, : len(y) + 1] = [BOS] + y
    target[i, : len(y) + 1] = y + [EOS]
  split = {
      'source': source,
      'source_length': length,
      'target_input': target_input,
      'target': target,
  }
  split['tokens'] = translation.pack(split)
  return split, (int(cut_source), int(cut_target))


def _text(value) -> str:
  return value.decode('utf-8') if isinstance(value, bytes) else str(value)


def read_tfds_pairs(
    name: str,
    source_lang: str,
    target_lang: str,
    limits: dict[str, int],
    *,
    data_dir: Optional[str],
    allow_download: bool,
) -> dict[str, tuple[list, list]]:
  """The first limits[split] sentence pairs of each split of TFDS `name`.

  Args:
    limits: our split name ('train', 'dev', 'test') -> pairs to read (at
      most); 'dev' reads TFDS's 'validation'.

  Returns:
    split -> (source sentences, target sentences).

  Raises:
    DatasetUnavailableError: unknown name, or not prepared and no download
      (downloads off or network unreachable); the message names the
      embedded datasets.
    ValueError: a language the dataset does not have.
  """
  from jaxdl.data import registry
  from jaxdl.data import tfds_source

  hint = (
      'embedded datasets that need no download: '
      f'{", ".join(sorted(registry.EMBEDDED))} (translate: dates)'
  )
  import tensorflow_datasets as tfds

  try:
    builder = tfds.builder(name, data_dir=data_dir)
  except Exception as e:  # tfds raises several types for unknown names
    raise tfds_source.DatasetUnavailableError(
        f'unknown TFDS dataset {name!r} ({type(e).__name__}); {hint}'
    ) from None
  languages = list(builder.info.features.keys())
  for arg, lang in (('source_lang', source_lang), ('target_lang', target_lang)):
    if lang not in languages:
      raise ValueError(f'{arg}={lang!r} is not a language of {name}; ' f'accepted: {languages}')
  if not builder.is_prepared():
    if not allow_download:
      raise tfds_source.DatasetUnavailableError(
          f'TFDS dataset {name!r} is not prepared in {builder.data_dir} and '
          f'downloads are off (config.data.allow_download); {hint}'
      )
    # Looked up on the module so tests can stand in for the network.
    if not tfds_source.network_reachable():
      raise tfds_source.DatasetUnavailableError(
          f'TFDS dataset {name!r} is not prepared in {builder.data_dir} and the '
          f'network is unreachable, so it cannot be downloaded; {hint}'
      )
    builder.download_and_prepare()
  pairs = {}
  for split, limit in limits.items():
    tfds_split = _TFDS_SPLITS[split]
    try:
      source = builder.as_data_source(tfds_split)
      rows = [source[i] for i in range(min(limit, len(source)))]
    except Exception:  # not ArrayRecord: tf.data (tensorflow-cpu) reads it
      rows = tfds.as_numpy(builder.as_dataset(split=f'{tfds_split}[:{limit}]'))
    src, tgt = [], []
    for row in rows:
      src.append(_text(row[source_lang]))
      tgt.append(_text(row[target_lang]))
    pairs[split] = (src, tgt)
  return pairs


@dataclasses.dataclass
class WmtData:
  """What the translate experiment needs beyond the splits."""

  splits: dict[str, dict[str, np.ndarray]]  # train/dev/test, dates format
  info: DatasetInfo  # num_classes = target vocabulary size
  source_vocab: CharVocab
  target_vocab: CharVocab
  references: dict[str, list[str]]  # split -> full target sentences
  truncated: dict[str, tuple[int, int]]  # split -> (sources cut, targets cut)
  model_kwargs: dict  # source_len / source_vocab_size for PackedTranslator

  def decode_source(self, ids, length) -> str:
    return self.source_vocab.text(np.asarray(ids)[: int(length)])

  def decode_target(self, ids) -> str:
    return self.target_vocab.text(ids)

  def truncation_report(self) -> str:
    lines = []
    for split, (src, tgt) in self.truncated.items():
      n = len(self.references[split])
      lines.append(
          f'{split}: {n} pairs, {src} sources ({100 * src / max(n, 1):.1f}%) '
          f'and {tgt} targets ({100 * tgt / max(n, 1):.1f}%) truncated'
      )
    return '\n'.join(lines)


def make_data(
    pairs: dict[str, tuple[list, list]],
    *,
    max_source_len: int,
    max_target_len: int,
    max_vocab: int,
    description: str,
) -> WmtData:
  """Sentence pairs -> WmtData; vocabularies come from 'train' only."""
  source_vocab = build_vocab(pairs['train'][0], max_vocab)
  target_vocab = build_vocab(pairs['train'][1], max_vocab)
  splits, truncated = {}, {}
  for split, (src, tgt) in pairs.items():
    if not src:
      raise ValueError(f'split {split!r} has no sentence pairs')
    splits[split], truncated[split] = encode_pairs(
        src, tgt, source_vocab, target_vocab, max_source_len, max_target_len
    )
  info = DatasetInfo(
      num_classes=target_vocab.size,
      input_key='tokens',
      label_key='target',
      description=description,
      extra={
          'source_len': max_source_len,
          'bos_id': BOS,
          'eos_id': EOS,
          'pad_id': PAD,
          'target_len': max_target_len + 1,
          'source_chars': source_vocab.chars,
          'target_chars': target_vocab.chars,
      },
  )
  return WmtData(
      splits=splits,
      info=info,
      source_vocab=source_vocab,
      target_vocab=target_vocab,
      references={k: v[1] for k, v in pairs.items()},
      truncated=truncated,
      model_kwargs={
          'source_len': max_source_len,
          'source_vocab_size': source_vocab.size,
          'source_pad': PAD,
      },
  )


def load_from_config(config) -> WmtData:
  """config.dataset (a TFDS translation name) with config.translate sizes and
  config.wmt languages/lengths; see launch/configs/translate.py:wmt."""
  tc, wc = config.translate, config.wmt
  limits = {'train': tc.num_train, 'dev': tc.num_dev, 'test': tc.num_test}
  for split, value in limits.items():
    if value < 1:
      raise ValueError(f'config.translate.num_{split} must be >= 1, got {value}')
  pairs = read_tfds_pairs(
      config.dataset,
      wc.source_lang,
      wc.target_lang,
      limits,
      data_dir=config.data.data_dir or None,
      allow_download=config.data.allow_download,
  )
  return make_data(
      pairs,
      max_source_len=wc.max_source_len,
      max_target_len=wc.max_target_len,
      max_vocab=wc.max_vocab,
      description=f'TFDS {config.dataset} ' f'{wc.source_lang}->{wc.target_lang}, characters',
  )


def corpus_bleu(predicted: np.ndarray, references: Sequence[str], vocab: CharVocab) -> float:
  """BLEU-4 (bleu.corpus_bleu) of decoded ids against full references.

  Both sides are split on whitespace: a plain tokenisation, so figures are
  close to but not the same as sacreBLEU's published ones.

  Args:
    predicted: [N, T] target ids from `translation.decode_split`.
    references: N untruncated reference sentences.
  """
  hypotheses = [vocab.text(row).split() for row in predicted]
  return bleu.corpus_bleu(hypotheses, [r.split() for r in references])
