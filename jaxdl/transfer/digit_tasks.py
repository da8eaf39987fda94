"""Two tasks from the digits for transfer learning (notes 3.14).

Task A: classify digits 0-4, with all their examples (lots of data).
Task B: classify digits 5-9 from only a few labelled examples per class.
Same input (8x8 handwritten strokes), more data for A than for B: the two
conditions 3.14 gives for transfer to make sense. B's dev and test sets are
the rest of its examples, so B's errors are measured on hundreds of images
even though it trains on a handful.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

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


def digit_tasks(seed: int = 0, shots_per_class: int = 5,
                classes_a: Sequence[int] = (0, 1, 2, 3, 4),
                classes_b: Sequence[int] = (5, 6, 7, 8, 9)) -> tuple[Dataset, Dataset]:
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
    raise ValueError(f'classes_a {tuple(classes_a)} and classes_b {tuple(classes_b)} must be disjoint')
  if shots_per_class < 1:
    raise ValueError(f'shots_per_class must be >= 1, got {shots_per_class}')
  raw, _ = load_digits(seed)
  pool = raw['all']
  a = _subset(pool, classes_a)
  info_a = DatasetInfo(num_classes=len(classes_a), class_names=tuple(map(str, classes_a)),
                       description=f'digits {tuple(classes_a)} (transfer task A)')
  dataset_a = Dataset('digits_task_a', make_splits(a, (0.6, 0.2, 0.2), seed=seed), info_a)

  b = _subset(pool, classes_b)
  rng = np.random.default_rng(seed)
  train_idx = np.concatenate([
      rng.choice(np.flatnonzero(b['label'] == c), shots_per_class, replace=False)
      for c in range(len(classes_b))])
  rest = np.setdiff1d(np.arange(len(b['label'])), train_idx)
  dev, test = split_indices(len(rest), (0.5, 0.5), seed + 1, b['label'][rest])
  info_b = DatasetInfo(num_classes=len(classes_b), class_names=tuple(map(str, classes_b)),
                       description=f'digits {tuple(classes_b)}, {shots_per_class} training '
                                   'examples per class (transfer task B)')
  splits_b = {'train': take(b, train_idx), 'dev': take(b, rest[dev]), 'test': take(b, rest[test])}
  return dataset_a, Dataset('digits_task_b', splits_b, info_b)
