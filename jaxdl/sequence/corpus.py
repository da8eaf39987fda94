"""Character corpora for language modelling (notes 5.2).

Offline: the Python Language Reference help text that ships with CPython's
standard library (`pydoc_data.topics`, about 79 documents and 465,000
characters of English technical prose under the PSF licence), so a real
corpus is always at hand without a download. Online: `tiny_shakespeare`
through TFDS (about 1.1 million characters).

Both use one fixed character vocabulary — newline plus the 95 printable
ASCII characters — so ids mean the same thing for every corpus; typographic
quotes and dashes are mapped to ASCII and anything else to '?'.
"""

from typing import Optional

import numpy as np

VOCAB = '\n' + ''.join(chr(c) for c in range(32, 127))
VOCAB_SIZE = len(VOCAB)  # 96
UNKNOWN = '?'
_ID = {c: i for i, c in enumerate(VOCAB)}
_ASCII_FOLD = {
    '’': "'",
    '‘': "'",
    '“': '"',
    '”': '"',
    '…': '...',
    '—': '--',
    '–': '-',
    '\t': '    ',
    '\r': '',
}


def normalize_text(text: str) -> str:
  """Folds typographic punctuation to ASCII; other characters -> '?'."""
  for src, dst in _ASCII_FOLD.items():
    text = text.replace(src, dst)
  return ''.join(c if c in _ID else UNKNOWN for c in text)


def encode(text: str) -> np.ndarray:
  """Text -> [len] int32 ids (after `normalize_text`)."""
  return np.fromiter((_ID[c] for c in normalize_text(text)), np.int32)


def decode(ids) -> str:
  """Ids -> text.

  Raises:
    ValueError: on an id outside [0, VOCAB_SIZE).
  """
  ids = np.asarray(ids).reshape(-1)
  if ids.size and (ids.min() < 0 or ids.max() >= VOCAB_SIZE):
    raise ValueError(f'ids must lie in [0, {VOCAB_SIZE}), got range ' f'[{ids.min()}, {ids.max()}]')
  return ''.join(VOCAB[i] for i in ids.tolist())


def windows(ids: np.ndarray, seq_len: int) -> dict[str, np.ndarray]:
  """Cuts a stream into next-character prediction windows.

  Window i reads ids[i*T : i*T + T] and predicts ids[i*T + 1 : i*T + T + 1],
  so every character but the first is predicted exactly once; the last
  window is padded and its padding masked out.

  Args:
    ids: [L] int32 character ids, L >= 2.
    seq_len: T, characters per window.

  Returns:
    {'inputs': [N, T] int32, 'targets': [N, T] int32,
     'target_mask': [N, T] float32, 1 at real targets}.
  """
  if seq_len < 1:
    raise ValueError(f'seq_len must be >= 1, got {seq_len}')
  if len(ids) < 2:
    raise ValueError(f'need at least 2 characters, got {len(ids)}')
  n_pred = len(ids) - 1
  n = -(-n_pred // seq_len)
  inputs = np.zeros((n * seq_len,), np.int32)
  targets = np.zeros((n * seq_len,), np.int32)
  mask = np.zeros((n * seq_len,), np.float32)
  inputs[:n_pred], targets[:n_pred], mask[:n_pred] = ids[:-1], ids[1:], 1.0
  shape = (n, seq_len)
  return {
      'inputs': inputs.reshape(shape),
      'targets': targets.reshape(shape),
      'target_mask': mask.reshape(shape),
  }


def stdlib_documents() -> dict[str, str]:
  """The Python Language Reference topics shipped with this interpreter."""
  from pydoc_data import topics  # stdlib; imported lazily (~0.5 MB of text)

  return dict(topics.topics)


def split_documents(
    documents: dict[str, str], seed: int, fractions=(0.9, 0.05, 0.05)
) -> dict[str, str]:
  """Whole documents to train/dev/test, so dev and test are unseen text.

  Documents are shuffled by `seed` and dealt to test, then dev, until each
  holds its share of characters; the rest is train.

  Returns:
    {'train', 'dev', 'test'} -> text (documents joined by blank lines).
  """
  if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-6:
    raise ValueError(f'fractions must be 3 numbers > 0 summing to 1, got ' f'{fractions}')
  names = sorted(documents)
  if len(names) < 3:
    raise ValueError(f'need at least 3 documents, got {len(names)}')
  order = np.random.default_rng(seed).permutation(len(names))
  total = sum(len(documents[n]) for n in names)
  parts = {'test': [], 'dev': [], 'train': []}
  filled = {'test': 0, 'dev': 0}
  want = {'test': fractions[2] * total, 'dev': fractions[1] * total}
  for i in order:
    name = names[i]
    target = next((s for s in ('test', 'dev') if filled[s] < want[s]), 'train')
    parts[target].append(documents[name])
    if target != 'train':
      filled[target] += len(documents[name])
  if not parts['train']:
    raise ValueError('no document left for train; use fewer dev/test')
  return {k: '\n\n'.join(v) for k, v in parts.items()}


def load_stdlib_corpus(seed: int, seq_len: int = 128, max_chars: int = 0):
  """Registry loader ('pydoc_text'): windows of the stdlib help text.

  Args:
    seed: seeds which documents go to dev and test.
    seq_len: characters per window.
    max_chars: > 0 keeps only the first max_chars characters of each split
      (for quick tests); 0 keeps everything.

  Returns:
    ({'train', 'dev', 'test'} window splits, DatasetInfo).
  """
  texts = split_documents(stdlib_documents(), seed)
  if max_chars < 0:
    raise ValueError(f'max_chars must be >= 0, got {max_chars}')
  if max_chars:
    texts = {k: v[:max_chars] for k, v in texts.items()}
  splits = {k: windows(encode(v), seq_len) for k, v in texts.items()}
  return splits, _info('Python Language Reference help text (pydoc_data)')


def load_tiny_shakespeare(
    seed: int = 0,
    seq_len: int = 128,
    data_dir: Optional[str] = None,
    allow_download: bool = True,
    max_chars: int = 0,
):
  """tiny_shakespeare from TFDS (online, or offline once prepared).

  TFDS ships it as one long string per split (train/validation/test), read
  through the core's TFDS loader; `seed` is unused (TFDS's own splits).

  Raises:
    DatasetUnavailableError: not prepared and no network / downloads off.
  """
  del seed
  from jaxdl.data import registry  # the core's TFDS reader + embedded names
  from jaxdl.data import tfds_source

  raw, _ = tfds_source.load_tfds(
      'tiny_shakespeare',
      data_dir=data_dir,
      allow_download=allow_download,
      embedded=registry.EMBEDDED,
  )
  splits = {}
  for name, tfds_name in (('train', 'train'), ('dev', 'validation'), ('test', 'test')):
    text = ''.join(
        t.decode('utf-8') if isinstance(t, bytes) else str(t) for t in raw[tfds_name]['text']
    )
    text = text[:max_chars] if max_chars > 0 else text
    splits[name] = windows(encode(text), seq_len)
  return splits, _info('tiny_shakespeare (TFDS)')


def _info(description: str):
  from jaxdl.data.dataset import DatasetInfo

  return DatasetInfo(
      num_classes=VOCAB_SIZE,
      input_key='inputs',
      label_key='targets',
      description=description,
      extra={'vocab': VOCAB},
  )
