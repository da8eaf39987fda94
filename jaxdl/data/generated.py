"""A small API for deterministic generated datasets.

A generator is a function ``generate(num_examples, rng) -> Split`` using only
the numpy Generator it is given. ``generated_splits`` calls it once per split
with a seed derived from (seed, split name), so each split is reproducible on
its own and no split's content depends on another split's size.
"""

from __future__ import annotations

import zlib
from typing import Callable, Mapping

import numpy as np

from jaxdl.data.dataset import DatasetInfo, Split, split_size

Generator = Callable[[int, np.random.Generator], Split]


def split_rng(seed: int, split: str) -> np.random.Generator:
  """A numpy Generator determined by ``seed`` and the split's name."""
  return np.random.default_rng([seed, zlib.crc32(split.encode())])


def generated_splits(generate: Generator, sizes: Mapping[str, int], seed: int) -> dict[str, Split]:
  """Calls ``generate`` once per split; checks sizes and array lengths."""
  splits = {}
  for name, n in sizes.items():
    if n <= 0:
      raise ValueError(f'split {name!r} would be empty (size {n})')
    split = generate(n, split_rng(seed, name))
    if split_size(split) != n:
      raise ValueError(
          f'generator returned {split_size(split)} examples for ' f'{name!r}, asked for {n}'
      )
    splits[name] = split
  return splits


def gaussian_blobs(
    num_examples: int, rng: np.random.Generator, num_classes: int = 3, dim: int = 2
) -> Split:
  """Isotropic Gaussian clusters with fixed centres on a circle.

  Returns:
    {'image': [N, dim] float32 features, 'label': [N] int32}.
  """
  angles = 2 * np.pi * np.arange(num_classes) / num_classes
  centres = np.zeros((num_classes, dim), np.float32)
  centres[:, 0], centres[:, 1 % dim] = 2 * np.cos(angles), 2 * np.sin(angles)
  labels = rng.integers(0, num_classes, num_examples).astype(np.int32)
  x = centres[labels] + rng.normal(size=(num_examples, dim)).astype(np.float32) * 0.7
  return {'image': x.astype(np.float32), 'label': labels}


def load_blobs(seed: int = 0) -> tuple[dict[str, Split], DatasetInfo]:
  """Embedded 'blobs': 3 Gaussian classes in 2-D, 600/200/200 examples."""
  splits = generated_splits(gaussian_blobs, {'train': 600, 'dev': 200, 'test': 200}, seed)
  return splits, DatasetInfo(num_classes=3, description='3 Gaussian blobs in 2-D (generated)')
