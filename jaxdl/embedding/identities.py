"""Identities, held-out classes and verification pairs (notes 4.12-4.13).

Face verification and one-shot learning must be measured on identities the
embedding never saw. Here an "identity" is a class label: the classes are cut
into training identities and held-out identities. Training identities are split
by example into 'train' (fits the embedding) and 'dev' (unseen images of the
same people, used to choose the verification threshold); held-out identities
form 'test'. Host-side numpy only.
"""

from typing import Sequence

import numpy as np

Split = dict[str, np.ndarray]


def split_by_identity(
    pool: Split,
    held_out: Sequence[int],
    dev_fraction: float = 0.2,
    seed: int = 0,
    label_key: str = 'label',
) -> dict[str, Split]:
  """Cuts a labelled pool into train/dev (seen identities) and test (held-out ones).

  Args:
    pool: dict of equal-length arrays with an int [n] `label_key` entry.
    held_out: identities (labels) kept out of training; must all occur in pool.
    dev_fraction: share of each training identity's examples moved to 'dev'.
    seed: numpy seed for the per-identity shuffle.
    label_key: key holding the identity.

  Returns:
    {'train': ..., 'dev': ..., 'test': ...} splits with the pool's keys.
  """
  labels = np.asarray(pool[label_key])
  present = set(np.unique(labels).tolist())
  held = set(int(c) for c in held_out)
  if not held or not held <= present:
    raise ValueError(
        f'held_out must be a non-empty subset of the labels {sorted(present)}, '
        f'got {sorted(held)}'
    )
  if held == present:
    raise ValueError('held_out leaves no identity for training')
  if not 0.0 < dev_fraction < 1.0:
    raise ValueError(f'dev_fraction must be in (0, 1), got {dev_fraction}')
  rng = np.random.default_rng(seed)
  train_idx, dev_idx = [], []
  for c in sorted(present - held):
    idx = rng.permutation(np.flatnonzero(labels == c))
    n_dev = max(1, int(round(dev_fraction * len(idx))))
    dev_idx.append(idx[:n_dev])
    train_idx.append(idx[n_dev:])
  test_idx = np.flatnonzero(np.isin(labels, sorted(held)))
  take = lambda idx: {k: np.asarray(v)[idx] for k, v in pool.items()}
  return {
      'train': take(np.sort(np.concatenate(train_idx))),
      'dev': take(np.sort(np.concatenate(dev_idx))),
      'test': take(test_idx),
  }


def sample_pairs(labels: np.ndarray, n_pairs: int, seed: int = 0):
  """Balanced verification pairs: half same-identity, half different.

  Args:
    labels: [n] identities.
    n_pairs: total pairs (even, >= 2).
    seed: numpy seed.

  Returns:
    (i [n_pairs], j [n_pairs], same [n_pairs] bool) with i != j everywhere.
  """
  labels = np.asarray(labels)
  if n_pairs < 2 or n_pairs % 2:
    raise ValueError(f'n_pairs must be an even number >= 2, got {n_pairs}')
  classes, counts = np.unique(labels, return_counts=True)
  multi = classes[counts >= 2]
  if len(multi) == 0 or len(classes) < 2:
    raise ValueError('labels need an identity with >= 2 examples and >= 2 identities')
  rng = np.random.default_rng(seed)
  members = {c: np.flatnonzero(labels == c) for c in classes}
  half = n_pairs // 2
  i, j = np.empty(n_pairs, np.int64), np.empty(n_pairs, np.int64)
  for p in range(half):
    i[p], j[p] = rng.choice(members[rng.choice(multi)], size=2, replace=False)
  for p in range(half, n_pairs):
    a, b = rng.choice(classes, size=2, replace=False)
    i[p], j[p] = rng.choice(members[a]), rng.choice(members[b])
  same = np.zeros(n_pairs, bool)
  same[:half] = True
  return i, j, same
