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
  return {'mean': x.mean(axes).astype(np.float32),
          'std': np.maximum(x.std(axes), eps).astype(np.float32)}


def identity_stats(num_channels: int) -> dict[str, np.ndarray]:
  """Stats that leave inputs unchanged (mean 0, std 1)."""
  return {'mean': np.zeros(num_channels, np.float32), 'std': np.ones(num_channels, np.float32)}


def normalize(inputs, stats):
  """(inputs - mean) / std, broadcasting over the last axis; numpy or jax."""
  return (inputs - stats['mean']) / stats['std']
