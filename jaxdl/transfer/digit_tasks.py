"""Two pairs of tasks from the digits for transfer learning (notes 3.14).

`digit_tasks` ('classes'): A = digits 0-4 with all their examples, B =
digits 5-9 from a few labelled examples per class.
`photo_tasks` ('photos'): A = clean scanned digits (all ten classes, most of
the data), B = other digits as "user photos" (jaxdl.data.corruptions), a few
labelled examples per class.
Both meet the two conditions of 3.14: the same kind of input, and much more
data for A than for B. B's dev and test sets are the rest of its examples,
so B's errors are measured on hundreds of images though it trains on a
handful.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from jaxdl.data import corruptions
from jaxdl.data.dataset import Dataset, DatasetInfo, take
from jaxdl.data.digits import load as load_digits
from jaxdl.data.splits import make_splits, split_indices


def _subset(pool, classes: Sequence[int]):
  keep = np.isin(pool['label'], classes)
  out = take(pool, np.flatnonzero(keep))
  # Relabel to 0..k-1: each task is its own k-way problem.
  lookup = np.full(10, -1, np.int32)
  lookup[list(classes)] = np.arange(len(classes))
  out['label'] = lookup[out['label']]
  return out


def digit_tasks(
    seed: int = 0,
    shots_per_class: int = 5,
    classes_a: Sequence[int] = (0, 1, 2, 3, 4),
    classes_b: Sequence[int] = (5, 6, 7, 8, 9),
) -> tuple[Dataset, Dataset]:
  """Builds task A (plenty of data) and task B (few-shot train, full dev/test).

  Args:
    seed: split seed.
    shots_per_class: labelled training examples per class of B.
    classes_a, classes_b: disjoint digit classes of the two tasks.

  Returns:
    (dataset_a with train/dev/test 60/20/20, dataset_b with
     train = shots_per_class x len(classes_b) examples and dev/test halves of the rest).
  """
  if set(classes_a) & set(classes_b):
    raise ValueError(
        f'classes_a {tuple(classes_a)} and classes_b {tuple(classes_b)} must be disjoint'
    )
  if shots_per_class < 1:
    raise ValueError(f'shots_per_class must be >= 1, got {shots_per_class}')
  raw, _ = load_digits(seed)
  pool = raw['all']
  a = _subset(pool, classes_a)
  info_a = DatasetInfo(
      num_classes=len(classes_a),
      class_names=tuple(map(str, classes_a)),
      description=f'digits {tuple(classes_a)} (transfer task A)',
  )
  dataset_a = Dataset('digits_task_a', make_splits(a, (0.6, 0.2, 0.2), seed=seed), info_a)

  b = _subset(pool, classes_b)
  info_b = DatasetInfo(
      num_classes=len(classes_b),
      class_names=tuple(map(str, classes_b)),
      description=f'digits {tuple(classes_b)}, {shots_per_class} training '
      'examples per class (transfer task B)',
  )
  splits_b = _few_shot(b, shots_per_class, len(classes_b), seed)
  return dataset_a, Dataset('digits_task_b', splits_b, info_b)


def _few_shot(pool, shots_per_class: int, num_classes: int, seed: int):
  """train = shots_per_class per class; dev/test = stratified halves of the rest."""
  rng = np.random.default_rng(seed)
  train_idx = np.concatenate(
      [
          rng.choice(np.flatnonzero(pool['label'] == c), shots_per_class, replace=False)
          for c in range(num_classes)
      ]
  )
  rest = np.setdiff1d(np.arange(len(pool['label'])), train_idx)
  dev, test = split_indices(len(rest), (0.5, 0.5), seed + 1, pool['label'][rest])
  return {
      'train': take(pool, train_idx),
      'dev': take(pool, rest[dev]),
      'test': take(pool, rest[test]),
  }


def photo_tasks(
    seed: int = 0,
    shots_per_class: int = 5,
    a_fraction: float = 0.6,
    photos: corruptions.UserPhotos = corruptions.UserPhotos(),
) -> tuple[Dataset, Dataset]:
  """Task A: clean digits; task B: few-shot "user photo" digits (disjoint images).

  Args:
    seed: split and corruption seed.
    shots_per_class: labelled training photos per class of B.
    a_fraction: share of the digits used (clean) for A; B's photos are made
      from the rest.
    photos: the corruption ranges of B.

  Returns:
    (dataset_a with train/dev/test 60/20/20, dataset_b few-shot with dev/test).
  """
  if shots_per_class < 1:
    raise ValueError(f'shots_per_class must be >= 1, got {shots_per_class}')
  raw, info = load_digits(seed)
  pool = raw['all']
  idx_a, idx_b = split_indices(
      len(pool['label']), (a_fraction, 1 - a_fraction), seed, pool['label']
  )
  a, b = take(pool, idx_a), take(pool, idx_b)
  b['image'] = corruptions.user_photos(b['image'], seed + 1000, photos)
  info_a = DatasetInfo(
      num_classes=10,
      class_names=info.class_names,
      description=f'clean digits, {len(idx_a)} of the 1,797 (transfer task A)',
  )
  dataset_a = Dataset('digits_task_a', make_splits(a, (0.6, 0.2, 0.2), seed=seed), info_a)
  info_b = DatasetInfo(
      num_classes=10,
      class_names=info.class_names,
      description=f'digits as user photos, {shots_per_class} training '
      'examples per class (transfer task B)',
  )
  return dataset_a, Dataset('digits_photos_b', _few_shot(b, shots_per_class, 10, seed), info_b)
