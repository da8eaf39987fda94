"""The table printed at the end of a run: error per split with its uncertainty.

The interval is Wilson's score interval for a binomial proportion, so that a
reader sees when a dev set is too small to separate two models (notes 3.5).
"""

from __future__ import annotations

import math
from typing import Mapping

from jaxdl.analysis.confidence import error_confidence_interval
from jaxdl.analysis.diagnosis import diagnose

SPLIT_ORDER = ('train', 'train_dev', 'dev', 'test')


def format_error_table(
    results: Mapping[str, Mapping[str, float]],
    counts: Mapping[str, int],
    human_error: float | None = None,
    diagnosis: bool = True,
) -> str:
  """Markdown table: split | examples | loss | error | 95% interval.

  With ``diagnosis`` (and train and dev errors that are fractions), the
  bias / variance / data-mismatch report of notes 3.8 and 3.12 follows the
  table (jaxdl.analysis.diagnosis). ``human_error`` None or < 0 is unknown,
  and the report says so rather than assume a value.
  """
  lines = ['| split | examples | loss | error | 95% interval |', '|---|---:|---:|---:|---|']
  for split in [s for s in SPLIT_ORDER if s in results] + [
      s for s in results if s not in SPLIT_ORDER
  ]:
    m = results[split]
    err = m.get('error', float('nan'))
    ok = not math.isnan(err) and 0.0 <= err <= 1.0 and counts[split] > 0
    lo, hi = error_confidence_interval(err, counts[split]) if ok else (math.nan,) * 2
    lines.append(
        f'| {split} | {counts[split]} | {m.get("loss", float("nan")):.4f} | '
        f'{100 * err:.2f}% | [{100 * lo:.1f}%, {100 * hi:.1f}%] |'
    )
  table = '\n'.join(lines)
  report = _diagnosis_report(results, counts, human_error) if diagnosis else None
  return table if report is None else f'{table}\n\n{report}'


def _diagnosis_report(results, counts, human_error) -> str | None:
  """The notes 3.12 diagnosis, or None when the errors are not fractions."""
  errors = {s: results[s].get('error') for s in SPLIT_ORDER if s in results}
  if errors.get('train') is None or errors.get('dev') is None:
    return None
  if any(e is None or math.isnan(e) or not 0.0 <= e <= 1.0 for e in errors.values()):
    return None
  human = None if human_error is None or human_error < 0 else float(human_error)
  result = diagnose(
      human,
      errors['train'],
      errors['dev'],
      train_dev_error=errors.get('train_dev'),
      test_error=errors.get('test'),
  )
  return result.report({s: counts[s] for s in errors if s in counts})
