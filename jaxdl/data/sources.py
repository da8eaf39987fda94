"""Random-access sources of examples: what the input pipeline reads from.

A source has ``len(source)`` and ``source.read(indices) -> list[dict]`` (one
feature dict per index, numpy values). In-memory splits (the embedded
datasets) are wrapped as ``ArraySource``; a TFDS dataset prepared on disk is
a ``TFDSSource`` over ``tfds.data_source`` (ArrayRecord, no TensorFlow), read
record by record, so nothing has to fit in memory; ``SubsetSource`` carves
dev/test index sets out of a source without reading it.

Sources are picklable (grain worker processes receive them) and decode
nothing themselves beyond what TFDS does: images stay uint8, integer labels
become int32.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence

import numpy as np

Example = dict[str, np.ndarray]


class Source(Protocol):

  def __len__(self) -> int:
    ...

  def read(self, indices: Sequence[int]) -> list[Example]:
    ...


class ArraySource:
  """A dict of equal-length arrays (a split) as a source; ``take`` is vectorised."""

  def __init__(self, split: dict[str, np.ndarray]):
    from jaxdl.data.dataset import split_size

    self.split = split
    self._n = split_size(split)

  def __len__(self) -> int:
    return self._n

  def read(self, indices: Sequence[int]) -> list[Example]:
    idx = np.asarray(indices)
    rows = {k: v[idx] for k, v in self.split.items()}
    return [{k: v[i] for k, v in rows.items()} for i in range(len(idx))]

  def take(self, indices: Sequence[int]) -> dict[str, np.ndarray]:
    """Rows ``indices`` as a batch, without a per-example loop."""
    idx = np.asarray(indices)
    return {k: v[idx] for k, v in self.split.items()}


class SubsetSource:
  """Rows ``indices`` of another source (a split carved out of a larger one)."""

  def __init__(self, parent: Source, indices: np.ndarray):
    self.parent = parent
    self.indices = np.asarray(indices, np.int64)

  def __len__(self) -> int:
    return len(self.indices)

  def read(self, indices: Sequence[int]) -> list[Example]:
    return self.parent.read(self.indices[np.asarray(indices, np.int64)])


def _standardise(example: dict[str, Any]) -> Example:
  out = {}
  for k, v in example.items():
    v = np.asarray(v)
    if k == 'label' and np.issubdtype(v.dtype, np.integer):
      v = v.astype(np.int32)
    out[k] = v
  return out


class TFDSSource:
  """One split of a prepared TFDS dataset, read lazily through ``data_source``.

  Opened on first read in each process (a worker re-opens its own file
  handles instead of inheriting the parent's).
  """

  def __init__(self, builder_dir: str, split: str, keys: Sequence[str] | None = None):
    self.builder_dir, self.split = builder_dir, split
    self.keys = tuple(keys) if keys else None
    self._source = None
    self._n = len(self._open())

  def _open(self):
    if self._source is None:
      import tensorflow_datasets as tfds

      builder = tfds.builder_from_directory(self.builder_dir)
      self._source = builder.as_data_source(self.split)
    return self._source

  def __len__(self) -> int:
    return self._n

  def __getstate__(self):
    return {**self.__dict__, '_source': None}

  def read(self, indices: Sequence[int]) -> list[Example]:
    source = self._open()
    records = source.__getitems__([int(i) for i in indices])
    if self.keys:
      records = [{k: r[k] for k in self.keys} for r in records]
    return [_standardise(r) for r in records]


def as_source(split) -> Source:
  """``split`` itself if it is a source, else an ArraySource over its arrays."""
  return ArraySource(split) if isinstance(split, dict) else split


def num_examples(split) -> int:
  return len(as_source(split))


def stack(examples: list[Example]) -> dict[str, np.ndarray]:
  """Feature dicts of equal shapes -> one batch dict."""
  if not examples:
    raise ValueError('cannot stack an empty list of examples')
  return {k: np.stack([e[k] for e in examples]) for k in examples[0]}


def read_batch(source: Source, indices: Sequence[int]) -> dict[str, np.ndarray]:
  """Rows ``indices`` of ``source`` as a batch (vectorised for arrays)."""
  if isinstance(source, ArraySource):
    return source.take(indices)
  return stack(source.read(indices))


def materialize(split) -> dict[str, np.ndarray]:
  """The whole split as arrays (small splits only: it is read into memory)."""
  if isinstance(split, dict):
    return split
  return read_batch(split, np.arange(len(split)))
