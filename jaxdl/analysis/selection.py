"""Model selection with one optimizing and several satisficing metrics (notes 3.3).

With N metrics, pick one to optimize (e.g. accuracy) and require the other N-1
only to be good enough (e.g. running time <= 100 ms). Among the candidates that
satisfy every constraint, the best optimizing value wins.
"""

from __future__ import annotations

import dataclasses
import operator
from typing import Mapping

OPERATORS = {
    '<=': operator.le,
    '<': operator.lt,
    '>=': operator.ge,
    '>': operator.gt,
    '==': operator.eq,
}
MODES = ('max', 'min')


class NoFeasibleModelError(ValueError):
  """No candidate meets every satisficing constraint."""


@dataclasses.dataclass(frozen=True)
class Selection:
  """Result of `select_model`.

  Attributes:
    name: the chosen candidate.
    metrics: its metrics.
    feasible: names of all candidates meeting every constraint, best first.
    rejected: {name: [reason, ...]} for candidates failing a constraint.
  """

  name: str
  metrics: Mapping[str, float]
  feasible: tuple[str, ...]
  rejected: Mapping[str, list[str]]


def select_model(
    candidates: Mapping[str, Mapping[str, float]],
    optimizing: str,
    satisficing: Mapping[str, tuple[str, float]] | None = None,
    mode: str = 'max',
) -> Selection:
  """Best candidate on `optimizing` among those meeting every satisficing constraint.

  Example (notes 3.3): candidates {'A': {'accuracy': .90, 'ms': 80},
  'B': {'accuracy': .92, 'ms': 95}, 'C': {'accuracy': .95, 'ms': 1500}},
  optimizing='accuracy', satisficing={'ms': ('<=', 100)} -> B.

  Args:
    candidates: {name: {metric: value}}.
    optimizing: the metric to optimize.
    satisficing: {metric: (op, threshold)}, op one of '<=', '<', '>=', '>', '=='.
    mode: 'max' (accuracy, F1) or 'min' (error, loss) for the optimizing metric.

  Returns:
    a Selection; ties on the optimizing metric keep the candidates' order.

  Raises:
    NoFeasibleModelError: no candidate meets every constraint (message lists why
      each failed).
    ValueError: bad mode/operator, no candidates, or a candidate lacks a metric.
  """
  if mode not in MODES:
    raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
  if not candidates:
    raise ValueError('candidates must not be empty')
  satisficing = dict(satisficing or {})
  for metric, constraint in satisficing.items():
    if (
        not isinstance(constraint, (tuple, list))
        or len(constraint) != 2
        or constraint[0] not in OPERATORS
    ):
      raise ValueError(
          f'satisficing[{metric!r}] must be (op, threshold) with op in '
          f'{tuple(OPERATORS)}, got {constraint!r}'
      )
  needed = [optimizing, *satisficing]
  for name, values in candidates.items():
    missing = [m for m in needed if m not in values]
    if missing:
      raise ValueError(f'candidate {name!r} has no value for metrics {missing}')

  rejected = {}
  feasible = []
  for name, values in candidates.items():
    reasons = [
        f'{metric}={values[metric]:g} fails {op} {threshold:g}'
        for metric, (op, threshold) in satisficing.items()
        if not OPERATORS[op](values[metric], threshold)
    ]
    if reasons:
      rejected[name] = reasons
    else:
      feasible.append(name)
  if not feasible:
    detail = '; '.join(f'{n}: {", ".join(r)}' for n, r in rejected.items())
    raise NoFeasibleModelError(f'no candidate meets every satisficing constraint ({detail})')
  sign = -1.0 if mode == 'max' else 1.0
  # sorted is stable, so ties keep the caller's order.
  feasible.sort(key=lambda n: sign * candidates[n][optimizing])
  best = feasible[0]
  return Selection(best, dict(candidates[best]), tuple(feasible), rejected)


def format_selection(candidates: Mapping[str, Mapping[str, float]], selection: Selection) -> str:
  """Markdown table of the candidates with a 'chosen' / 'rejected: why' column."""
  metrics = list(next(iter(candidates.values())).keys())
  lines = ['| Model | ' + ' | '.join(metrics) + ' | Decision |', '|' + '---|' * (len(metrics) + 2)]
  for name, values in candidates.items():
    if name == selection.name:
      decision = 'chosen'
    elif name in selection.rejected:
      decision = 'rejected: ' + ', '.join(selection.rejected[name])
    else:
      decision = 'feasible'
    lines.append(
        f'| {name} | ' + ' | '.join(f'{values[m]:g}' for m in metrics) + f' | {decision} |'
    )
  return '\n'.join(lines)
