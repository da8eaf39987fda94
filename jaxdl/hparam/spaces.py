"""Sampling scales for hyper-parameters (notes 2.11).

Each space maps a unit coordinate u in [0, 1] to a value; random search
draws u ~ U[0, 1], grid search uses evenly spaced u, and coarse-to-fine
narrows the space around the best values (``narrow``). The scale is what
matters: the learning rate in [1e-4, 1] is drawn as 10^r, r ~ U[-4, 0], so
each decade gets the same share of trials (uniform sampling would put 90 % of
them in [0.1, 1]); beta in [0.9, 0.999] is drawn as 1 - 10^r, r ~ U[-3, -1],
because the average's window 1 / (1 - beta) is what beta controls.
"""

import dataclasses
import math
from typing import Sequence

import numpy as np


def _check_bounds(name, low, high):
  if not low < high:
    raise ValueError(f"{name} needs low < high, got low={low}, high={high}.")


@dataclasses.dataclass(frozen=True)
class Uniform:
  """value = low + u (high - low)."""

  low: float  # smallest value
  high: float  # largest value

  def __post_init__(self):
    _check_bounds("Uniform", self.low, self.high)

  def from_unit(self, u):
    return self.low + np.asarray(u) * (self.high - self.low)

  def to_unit(self, value):
    return (np.asarray(value) - self.low) / (self.high - self.low)

  def narrow(self, values, margin=0.1):
    lo, hi = _unit_hull(self, values, margin)
    return Uniform(float(self.from_unit(lo)), float(self.from_unit(hi)))


@dataclasses.dataclass(frozen=True)
class LogUniform:
  """value = 10**r, r ~ U[log10(low), log10(high)] (the learning-rate scale)."""

  low: float  # smallest value, > 0
  high: float  # largest value

  def __post_init__(self):
    if self.low <= 0:
      raise ValueError(f"LogUniform needs low > 0, got {self.low}.")
    _check_bounds("LogUniform", self.low, self.high)

  def from_unit(self, u):
    r_lo, r_hi = math.log10(self.low), math.log10(self.high)
    return 10.0 ** (r_lo + np.asarray(u) * (r_hi - r_lo))

  def to_unit(self, value):
    r_lo, r_hi = math.log10(self.low), math.log10(self.high)
    return (np.log10(value) - r_lo) / (r_hi - r_lo)

  def narrow(self, values, margin=0.1):
    lo, hi = _unit_hull(self, values, margin)
    return LogUniform(float(self.from_unit(lo)), float(self.from_unit(hi)))


@dataclasses.dataclass(frozen=True)
class OneMinusLogUniform:
  """value = 1 - 10**r: log scale on 1 - value (the beta scale).

  low/high are values in (0, 1), e.g. (0.9, 0.999): r ~ U[-3, -1].
  """

  low: float  # smallest value, in (0, 1)
  high: float  # largest value, in (0, 1)

  def __post_init__(self):
    if not 0.0 < self.low < 1.0 or not 0.0 < self.high < 1.0:
      raise ValueError(
          "OneMinusLogUniform needs 0 < low, high < 1, got " f"{self.low}, {self.high}."
      )
    _check_bounds("OneMinusLogUniform", self.low, self.high)

  def from_unit(self, u):
    # u = 0 -> low (largest 1 - value), u = 1 -> high.
    r_lo, r_hi = math.log10(1 - self.low), math.log10(1 - self.high)
    return 1.0 - 10.0 ** (r_lo + np.asarray(u) * (r_hi - r_lo))

  def to_unit(self, value):
    r_lo, r_hi = math.log10(1 - self.low), math.log10(1 - self.high)
    return (np.log10(1 - np.asarray(value)) - r_lo) / (r_hi - r_lo)

  def narrow(self, values, margin=0.1):
    lo, hi = _unit_hull(self, values, margin)
    return OneMinusLogUniform(float(self.from_unit(lo)), float(self.from_unit(hi)))


@dataclasses.dataclass(frozen=True)
class IntUniform:
  """Integers low..high inclusive, each equally likely (e.g. hidden units)."""

  low: int  # smallest value
  high: int  # largest value (inclusive)

  def __post_init__(self):
    if int(self.low) != self.low or int(self.high) != self.high:
      raise ValueError(f"IntUniform bounds must be ints, got {self.low}, " f"{self.high}.")
    _check_bounds("IntUniform", self.low, self.high)

  def from_unit(self, u):
    n = self.high - self.low + 1
    return (self.low + np.minimum(np.floor(np.asarray(u) * n), n - 1)).astype(np.int64)

  def to_unit(self, value):
    return (np.asarray(value) - self.low + 0.5) / (self.high - self.low + 1)

  def narrow(self, values, margin=0.1):
    lo, hi = int(np.min(values)), int(np.max(values))
    if lo == hi:
      lo, hi = max(self.low, lo - 1), min(self.high, hi + 1)
    return IntUniform(lo, hi) if lo < hi else self


@dataclasses.dataclass(frozen=True)
class Choice:
  """One of a few options, each equally likely (e.g. activation name)."""

  options: Sequence  # the candidate values

  def __post_init__(self):
    if len(self.options) < 1:
      raise ValueError("Choice needs at least one option.")

  def from_unit(self, u):
    n = len(self.options)
    idx = np.minimum(np.floor(np.asarray(u) * n), n - 1).astype(int)
    return np.asarray(self.options)[idx]

  def to_unit(self, value):
    index = {o: i for i, o in enumerate(self.options)}
    return (np.array([index[v] for v in np.ravel(value)]) + 0.5) / len(self.options)

  def narrow(self, values, margin=0.1):
    del margin
    kept = [o for o in self.options if o in set(np.ravel(values).tolist())]
    return Choice(tuple(kept))


def _unit_hull(space, values, margin):
  """[lo, hi] in unit coordinates covering values, widened by margin."""
  u = np.asarray(space.to_unit(values), dtype=np.float64)
  lo, hi = float(u.min()), float(u.max())
  pad = margin * max(hi - lo, 0.05)
  return max(0.0, lo - pad), min(1.0, hi + pad)
