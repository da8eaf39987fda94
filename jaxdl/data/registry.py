"""Datasets by name: embedded ones first (offline), then the TFDS catalog.

``EMBEDDED`` maps a name to ``'module:loader'``; the loader is
``loader(seed) -> ({'all': pool} | {'train', 'dev', 'test'}, DatasetInfo)``.
Modules are imported only when their dataset is asked for, so registering a
dataset costs nothing and import order never matters.
"""

from __future__ import annotations

import importlib
from typing import Sequence

from jaxdl.data.dataset import Dataset, Split
from jaxdl.data.dataset import split_size, take
from jaxdl.data.splits import (check_fractions, hold_out_train_dev, make_splits, split_indices)
from jaxdl.data.tfds_source import DatasetUnavailableError, open_tfds

EMBEDDED: dict[str, str] = {
    'digits': 'jaxdl.data.digits:load',
    'digits32': 'jaxdl.data.digits:load_32',
    'blobs': 'jaxdl.data.generated:load_blobs',
    'shapes': 'jaxdl.multitask.shapes:load',  # notes 3.15 multi-label, missing labels
    'dates': 'jaxdl.sequence.translation:load_dates',
    'pydoc_text': 'jaxdl.sequence.corpus:load_stdlib_corpus',
    'detection_shapes': 'jaxdl.detection.data:load',  # notes 4.11 boxes + mask
    'glyph_identities': 'jaxdl.embedding.glyphs:load',  # notes 4.12-4.13 generated identities
}


def _load_embedded(name: str, seed: int):
  module, fn = EMBEDDED[name].split(':')
  return getattr(importlib.import_module(module), fn)(seed)


def load_dataset(
    name: str,
    *,
    seed: int = 0,
    fractions: Sequence[float] | None = None,
    train_dev_fraction: float = 0.0,
    data_dir: str | None = None,
    allow_download: bool = True,
) -> Dataset:
  """Loads ``name`` and returns its train/dev/test(/train_dev) splits.

  Args:
    name: an EMBEDDED name, a TFDS catalog name (e.g. 'mnist') or the path
      of a prepared TFDS dataset directory. TFDS splits are lazy sources
      (jaxdl.data.sources) that the input pipeline streams; a dev or test
      split carved out of a TFDS train split is a seeded random subset
      (stratified only for in-memory datasets).
    seed: seeds splitting (and generation, for generated datasets).
    fractions: (train, dev, test) for datasets that come as one pool; None or
      () picks them from the dataset size (notes 3.5: 60/20/20 for thousands
      of examples, 98/1/1 for millions). For TFDS sets with an official test
      split, that split is the test set and 'train' is divided into train/dev
      in the ratio fractions[0]:fractions[1].
    train_dev_fraction: share of train held out as 'train_dev' (notes 3.12).
    data_dir: TFDS data directory (None: TFDS default).
    allow_download: permit a TFDS download when not prepared locally.

  Raises:
    DatasetUnavailableError: unknown name or a TFDS set not available offline;
      the message lists the embedded alternatives.
    ValueError: invalid fractions, or a split that would be empty.
  """
  if fractions:
    check_fractions(fractions, train_dev_fraction)
  if name in EMBEDDED:
    raw, info = _load_embedded(name, seed)
  else:
    raw, info = open_tfds(name, data_dir=data_dir, allow_download=allow_download, embedded=EMBEDDED)
  label_key = info.label_key
  if not fractions:
    from jaxdl.analysis.confidence import default_split_fractions

    fractions = default_split_fractions(sum(split_size(s) for s in raw.values()))
  if 'all' in raw:
    splits = make_splits(
        raw['all'], fractions, seed=seed, label_key=label_key, train_dev_fraction=train_dev_fraction
    )
  else:
    splits = _complete_splits(raw, fractions, seed, label_key)
    if train_dev_fraction > 0:
      splits.update(hold_out_train_dev(splits['train'], train_dev_fraction, seed, label_key))
  return Dataset(name=name, splits=splits, info=info)


def _labels(split, label_key: str):
  if not isinstance(split, dict):
    return None  # a streamed source: reading every label would read every image
  labels = split.get(label_key)
  return labels if labels is not None and labels.ndim == 1 else None


def _complete_splits(raw: dict[str, Split], fractions, seed, label_key) -> dict[str, Split]:
  """Maps TFDS-style split names to train/dev/test, carving dev if needed."""
  raw = dict(raw)
  if 'validation' in raw and 'dev' not in raw:
    raw['dev'] = raw.pop('validation')
  if 'train' not in raw:
    raise DatasetUnavailableError(f'dataset has no train split (splits: {sorted(raw)})')
  if 'test' not in raw:
    train, test = split_indices(
        split_size(raw['train']),
        (1 - fractions[2], fractions[2]),
        seed,
        _labels(raw['train'], label_key),
    )
    raw['train'], raw['test'] = take(raw['train'], train), take(raw['train'], test)
  if 'dev' not in raw:
    share = fractions[1] / (fractions[0] + fractions[1])
    train, dev = split_indices(
        split_size(raw['train']), (1 - share, share), seed + 2, _labels(raw['train'], label_key)
    )
    raw['train'], raw['dev'] = take(raw['train'], train), take(raw['train'], dev)
  return {k: raw[k] for k in ('train', 'dev', 'test')}


__all__ = ['EMBEDDED', 'load_dataset', 'DatasetUnavailableError']
