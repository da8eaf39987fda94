"""Input normalisation (notes 2.3.4): statistics from train, used everywhere.

The statistics travel inside the TrainState, so they are saved with every
checkpoint and applied by the jitted steps on the device.
"""

from __future__ import annotations

import numpy as np


def fit_input_stats(inputs: np.ndarray, eps: float = 1e-6) -> dict[str, np.ndarray]:
  """Per-feature-channel mean and std over every axis but the last.

  Args:
    inputs: [N, ..., C] float training inputs (train split only).
    eps: floor on std so constant channels don't divide by zero.

  Returns:
    {'mean': [C] float32, 'std': [C] float32}.
  """
  x = np.asarray(inputs, np.float64)
  axes = tuple(range(x.ndim - 1))
  return {
      'mean': x.mean(axes).astype(np.float32),
      'std': np.maximum(x.std(axes), eps).astype(np.float32),
  }


def identity_stats(num_channels: int) -> dict[str, np.ndarray]:
  """Stats that leave inputs unchanged (mean 0, std 1)."""
  return {'mean': np.zeros(num_channels, np.float32), 'std': np.ones(num_channels, np.float32)}


def normalize(inputs, stats):
  """(inputs - mean) / std, broadcasting over the last axis; numpy or jax."""
  return (inputs - stats['mean']) / stats['std']


def to_unit_float(x):
  """uint8 images -> float32 in [0, 1]; other dtypes unchanged (numpy or jax)."""
  if x.dtype == np.uint8:
    return x.astype(np.float32) / 255.0
  return x


def fit_source_stats(
    split,
    key: str,
    *,
    max_examples: int = 10_000,
    seed: int = 0,
    transform=None,
    chunk: int = 256,
    eps: float = 1e-6,
) -> dict[str, np.ndarray]:
  """``fit_input_stats`` of feature ``key`` without loading the whole split.

  Splits of at most ``max_examples`` are used whole (and arrays exactly as
  ``fit_input_stats`` would); larger ones through a seeded sample of
  ``max_examples`` rows without replacement. Rows are read ``chunk`` at a
  time and merged with Chan et al.'s pairwise mean/variance update in
  float64, so memory is one chunk whatever the split's size. uint8 images
  count in [0, 1] units (as the steps see them); ``transform`` (the eval
  host transform) makes variable-size images comparable.

  Returns:
    {'mean': [C] float32, 'std': [C] float32}.
  """
  from jaxdl.data.sources import ArraySource, as_source

  source = as_source(split)
  n = len(source)
  if isinstance(source, ArraySource) and n <= max_examples and transform is None:
    return fit_input_stats(to_unit_float(source.split[key]), eps)
  rows = (
      np.arange(n)
      if n <= max_examples
      else np.sort(np.random.default_rng([seed, 7]).choice(n, max_examples, replace=False))
  )
  count, mean, m2 = 0, None, None
  rng = np.random.default_rng(0)
  if transform is not None:
    chunk = min(chunk, 16)  # raw variable-size images: hold few before transforming
  for start in range(0, len(rows), chunk):
    examples = source.read(rows[start : start + chunk])
    if transform is not None:
      examples = [transform(e, rng) for e in examples]
    x = np.stack([to_unit_float(np.asarray(e[key])) for e in examples]).astype(np.float64)
    del examples
    x = x.reshape(-1, x.shape[-1])
    c_mean, c_m2, c_n = x.mean(0), ((x - x.mean(0)) ** 2).sum(0), len(x)
    if mean is None:
      count, mean, m2 = c_n, c_mean, c_m2
      continue
    delta, total = c_mean - mean, count + c_n
    mean = mean + delta * c_n / total
    m2 = m2 + c_m2 + delta**2 * count * c_n / total
    count = total
  return {
      'mean': mean.astype(np.float32),
      'std': np.maximum(np.sqrt(m2 / count), eps).astype(np.float32),
  }
