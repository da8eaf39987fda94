"""Shared test fixtures: small configs for the training core."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from launch.configs import train as train_config  # noqa: E402


def small_config(**overrides):
  """The smoke config of launch/configs/train.py, unlocked, with overrides.

  Keys use dots for nesting: small_config(**{'optimizer.learning_rate': 0.1}).
  """
  c = train_config.get_config('smoke')
  for key, value in overrides.items():
    node = c
    *path, leaf = key.split('.')
    for p in path:
      node = node[p]
    node[leaf] = value
  return c
