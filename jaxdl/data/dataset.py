"""The in-memory dataset type every jaxdl experiment consumes.

A *split* is a dict of equal-length numpy arrays whose leading axis indexes
examples, e.g. ``{'image': [N, H, W, C] float32 in [0, 1], 'label': [N] int32}``.
The same shape serves every task of the notes: boxes are padded ``[N, K, 4]``
arrays with a ``[N, K]`` mask, sequences are padded int32 tokens with lengths,
multi-task labels carry a ``label_mask`` for missing ("?") labels (notes 3.15).
A split may also be a lazy source (jaxdl.data.sources: a TFDS dataset on
disk); the input pipeline streams both kinds the same way.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import numpy as np

Split = dict[str, np.ndarray]


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
  """What a model and a loss need to know about a dataset.

  Attributes:
    num_classes: number of classes of ``label_key``; None for non-categorical.
    input_key: feature fed to the model.
    label_key: feature the loss compares against.
    class_names: optional human-readable names, ``len == num_classes``.
    description: one line shown in logs and errors.
    extra: anything task-specific (e.g. vocabulary, max boxes).
  """

  num_classes: int | None = None
  input_key: str = 'image'
  label_key: str = 'label'
  class_names: tuple[str, ...] | None = None
  description: str = ''
  extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Dataset:
  """Named splits ('train', 'dev', 'test', optionally 'train_dev') plus info."""

  name: str
  splits: Mapping[str, Split]
  info: DatasetInfo

  def num_examples(self, split: str) -> int:
    return split_size(self.splits[split])


def split_size(split) -> int:
  """Number of examples in a split (arrays or a source); raises if its arrays disagree."""
  if not isinstance(split, dict):
    return len(split)  # a jaxdl.data.sources source
  sizes = {k: len(v) for k, v in split.items()}
  if not sizes:
    raise ValueError('a split must hold at least one array')
  if len(set(sizes.values())) != 1:
    raise ValueError(f'arrays of one split must have equal length, got {sizes}')
  return next(iter(sizes.values()))


def take(split, indices: np.ndarray):
  """Rows ``indices`` of every array of ``split`` (of a source: a lazy subset)."""
  if not isinstance(split, dict):
    from jaxdl.data.sources import SubsetSource

    return SubsetSource(split, indices)
  return {k: v[indices] for k, v in split.items()}
