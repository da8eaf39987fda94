"""The table printed at the end of a run: error per split with its uncertainty.

The interval is Wilson's score interval for a binomial proportion, so that a
reader sees when a dev set is too small to separate two models (notes 3.5).
"""
from __future__ import annotations

import math
from typing import Mapping

SPLIT_ORDER = ('train', 'train_dev', 'dev', 'test')


def wilson_interval(error: float, n: float, z: float = 1.96) -> tuple[float, float]:
  """95% (z = 1.96) Wilson score interval for an error rate on n examples."""
  if n <= 0:
    return (0.0, 1.0)
  centre = (error + z * z / (2 * n)) / (1 + z * z / n)
  half = z / (1 + z * z / n) * math.sqrt(error * (1 - error) / n + z * z / (4 * n * n))
  return max(0.0, centre - half), min(1.0, centre + half)


def format_error_table(results: Mapping[str, Mapping[str, float]],
                       counts: Mapping[str, int]) -> str:
  """Markdown table: split | examples | loss | error | 95% interval."""
  lines = ['| split | examples | loss | error | 95% interval |',
           '|---|---:|---:|---:|---|']
  for split in [s for s in SPLIT_ORDER if s in results] + [
      s for s in results if s not in SPLIT_ORDER]:
    m = results[split]
    err = m.get('error', float('nan'))
    lo, hi = wilson_interval(err, counts[split]) if not math.isnan(err) else (math.nan,) * 2
    lines.append(f'| {split} | {counts[split]} | {m.get("loss", float("nan")):.4f} | '
                 f'{100 * err:.2f}% | [{100 * lo:.1f}%, {100 * hi:.1f}%] |')
  return '\n'.join(lines)
