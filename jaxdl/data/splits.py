"""Train / dev / test (/ train-dev) splits (notes 2.1, 3.4, 3.5, 3.12).

Dev and test are drawn at random from the same pool so that they come from
the same distribution (3.4); train-dev is held out of the *training* portion,
so it shares train's distribution and separates variance from data mismatch
(3.12). Splits are stratified by label when there is one, and deterministic
given the seed.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from jaxdl.data.dataset import Split, split_size, take


def check_fractions(fractions: Sequence[float], train_dev_fraction: float = 0.0) -> None:
  """Raises ValueError unless (train, dev, test) fractions are valid."""
  if len(fractions) != 3:
    raise ValueError(f'fractions must be (train, dev, test), got {tuple(fractions)}')
  if any(not np.isfinite(f) or f <= 0 for f in fractions):
    raise ValueError(f'fractions must all be > 0, got {tuple(fractions)}')
  if abs(sum(fractions) - 1.0) > 1e-6:
    raise ValueError(
        f'fractions must sum to 1, got {tuple(fractions)} ' f'(sum {sum(fractions):.6g})'
    )
  if not 0.0 <= train_dev_fraction < 1.0:
    raise ValueError(f'train_dev_fraction must be in [0, 1), got {train_dev_fraction}')


def _allocate(n: int, fractions: Sequence[float]) -> np.ndarray:
  """Integer counts summing to n, by largest remainder."""
  raw = np.asarray(fractions, np.float64) * n
  counts = np.floor(raw).astype(int)
  order = np.argsort(-(raw - counts), kind='stable')
  counts[order[: n - counts.sum()]] += 1
  return counts


def split_indices(
    n: int, fractions: Sequence[float], seed: int, labels: np.ndarray | None = None
) -> list[np.ndarray]:
  """Disjoint index sets covering range(n), one per fraction.

  With ``labels``, each class is divided in the given proportions
  (stratified). Each returned set is shuffled.
  """
  rng = np.random.default_rng(seed)
  # Every example gets a key in [0, 1): its shuffled rank within its class,
  # scaled by the class size. Sorting by key interleaves the classes evenly,
  # so cutting the sorted order at the global counts gives each split the
  # exact global size and each class its share to within one example.
  key = rng.random(n)
  if labels is not None:
    for c in np.unique(labels):
      idx = np.flatnonzero(labels == c)
      key[idx] = (rng.permutation(len(idx)) + rng.random()) / len(idx)
  order = np.argsort(key, kind='stable')
  parts = np.split(order, np.cumsum(_allocate(n, fractions))[:-1])
  return [rng.permutation(p) for p in parts]


def make_splits(
    pool: Split,
    fractions: Sequence[float] = (0.6, 0.2, 0.2),
    *,
    seed: int = 0,
    label_key: str | None = 'label',
    train_dev_fraction: float = 0.0,
) -> dict[str, Split]:
  """Splits one pool into train/dev/test and optionally train_dev.

  Args:
    pool: a split (dict of equal-length arrays).
    fractions: (train, dev, test), each > 0, summing to 1.
    seed: the split is a pure function of (pool, fractions, seed).
    label_key: stratify by this integer feature if present; None: don't.
    train_dev_fraction: share of the *training* examples held out as
      'train_dev' (same distribution as train, never trained on).

  Returns:
    {'train', 'dev', 'test'[, 'train_dev']} -> split.
  """
  check_fractions(fractions, train_dev_fraction)
  n = split_size(pool)
  labels = pool.get(label_key) if label_key else None
  if labels is not None and labels.ndim != 1:
    labels = None  # multi-label or sequence targets: no stratification
  train, dev, test = split_indices(n, fractions, seed, labels)
  out = {'train': train, 'dev': dev, 'test': test}
  for name, idx in out.items():
    if len(idx) == 0:
      raise ValueError(
          f'split {name!r} would be empty: {n} examples with fractions ' f'{tuple(fractions)}'
      )
  splits = {name: take(pool, idx) for name, idx in out.items()}
  if train_dev_fraction > 0:
    splits.update(hold_out_train_dev(splits['train'], train_dev_fraction, seed, label_key))
  return splits


def hold_out_train_dev(
    train: Split, fraction: float, seed: int, label_key: str | None = 'label'
) -> dict[str, Split]:
  """Splits train into {'train', 'train_dev'}; train_dev gets ``fraction``."""
  labels = train.get(label_key) if label_key else None
  if labels is not None and labels.ndim != 1:
    labels = None
  keep, held = split_indices(split_size(train), (1 - fraction, fraction), seed + 1, labels)
  if len(keep) == 0 or len(held) == 0:
    raise ValueError(
        f'train_dev_fraction {fraction} of {split_size(train)} training '
        'examples leaves an empty split'
    )
  return {'train': take(train, keep), 'train_dev': take(train, held)}
