"""Bias / variance / data-mismatch diagnosis from a run's errors (notes 2.2, 2.3, 3.1, 3.7-3.9, 3.12, 3.13).

The chain of 3.12:

  human error <-avoidable bias-> train error <-variance-> train-dev error
  <-data mismatch-> dev error <-overfitting to dev-> test error

Human-level error stands in for Bayes error (3.7). The largest gap says what to
work on next; each gap maps to one of the four orthogonal goals of 3.1 and to
the remedies the notes give for it (2.3 basic recipe, 3.9, 3.13).
"""

from __future__ import annotations

import dataclasses
from typing import Mapping, Optional

from jaxdl.analysis import confidence
from jaxdl.train.config_check import require, require_int

# notes 3.1: the four orthogonal goals, in order.
GOALS = {
    'fit_train': '1. Fit the training set well (about human level)',
    'fit_dev': '2. Fit the dev set well',
    'fit_test': '3. Fit the test set well',
    'real_world': '4. Perform well in the real world',
}

# Each gap: (goal, remedies). Sources: 2.3 basic recipe, 3.1, 3.9, 3.13.
REMEDIES = {
    'avoidable_bias': (
        'fit_train',
        (
            'train a bigger network (more hidden units or layers)',
            'train longer',
            'use a better optimization algorithm (momentum, RMSprop, Adam)',
            'search NN architectures / hyperparameters',
        ),
    ),
    'variance': (
        'fit_dev',
        (
            'get more training data',
            'regularize (L2 weight decay, dropout, data augmentation)',
            'search NN architectures / hyperparameters',
        ),
    ),
    'data_mismatch': (
        'fit_dev',
        (
            'carry out manual error analysis to see how train and dev/test differ (3.13)',
            'make the training data more like dev/test, or collect more data like dev/test',
            'artificial data synthesis (caution: do not simulate only a small subset of '
            'all possible examples)',
        ),
    ),
    'overfitting_to_dev': (
        'fit_test',
        ('get a bigger dev set (the model has been tuned to this dev set)',),
    ),
}
# Goal 4 cannot be read off these errors; the report always reminds of it.
REAL_WORLD_REMEDY = (
    'if dev/test look good but the system fails in use: change the '
    'dev/test set to reflect the data you expect, or change the cost '
    'function/metric (e.g. a weighted error, 3.6)'
)
EARLY_STOPPING_NOTE = (
    'early stopping is not orthogonal: it changes the fit to the training '
    'set and to the dev set at once (3.1); prefer the knobs above'
)

LABELS = {
    'human': 'human-level error',
    'train': 'train error',
    'train_dev': 'train-dev error',
    'dev': 'dev error',
    'test': 'test error',
}
GAP_LABELS = {
    'avoidable_bias': 'avoidable bias',
    'variance': 'variance',
    'data_mismatch': 'data mismatch',
    'overfitting_to_dev': 'overfitting to dev',
}


@dataclasses.dataclass(frozen=True)
class Gap:
  """One link of the 3.12 chain.

  Attributes:
    name: 'avoidable_bias', 'variance', 'data_mismatch' or 'overfitting_to_dev'.
    lower: the split whose error starts the gap ('human', 'train', ...).
    upper: the split whose error ends it.
    value: upper error - lower error (fraction), or None when an end is unknown.
  """

  name: str
  lower: str
  upper: str
  value: Optional[float]


@dataclasses.dataclass(frozen=True)
class Diagnosis:
  """Result of `diagnose`.

  Attributes:
    errors: {'human', 'train', 'train_dev', 'dev', 'test'} -> error or None.
    gaps: the four gaps in chain order (value None when unknown).
    largest: name of the largest positive known gap, or None if none is positive.
    remarks: caveats (unknown human level, no train-dev set, ...).
  """

  errors: Mapping[str, Optional[float]]
  gaps: tuple[Gap, ...]
  largest: Optional[str]
  remarks: tuple[str, ...]

  def gap(self, name: str) -> Optional[float]:
    """The value of the gap `name` (None when unknown)."""
    for g in self.gaps:
      if g.name == name:
        return g.value
    raise ValueError(f'name must be one of {tuple(GAP_LABELS)}, got {name!r}')

  def remedies(self) -> dict[str, list[str]]:
    """{goal title: remedies} for the largest gap (empty when there is none)."""
    if self.largest is None:
      return {}
    goal, remedies = REMEDIES[self.largest]
    return {GOALS[goal]: list(remedies)}

  def report(self, num_examples: Optional[Mapping[str, int]] = None) -> str:
    """A short printable report.

    Args:
      num_examples: optional {'train'|'train_dev'|'dev'|'test': n}; with it
        every error gets its 95% confidence interval (3.5) and a gap whose two
        errors cannot be told apart at that size is marked 'within noise'.
    """
    num_examples = dict(num_examples or {})
    lines = ['Diagnosis (notes 3.8, 3.12)']
    gap_after = {g.lower: g for g in self.gaps}
    for split, label in LABELS.items():
      value = self.errors[split]
      if value is None:
        shown = 'unknown (not measured)' if split != 'human' else 'unknown (set human_error)'
      elif split in num_examples:
        shown = confidence.format_error(value, num_examples[split])
      else:
        shown = f'{100 * value:.2f}%'
      lines.append(f'  {label:<18} {shown}')
      gap = gap_after.get(split)
      if gap is not None:
        lines.append(f'      {GAP_LABELS[gap.name]:<20} {self._gap_text(gap, num_examples)}')
    lines.extend(f'  note: {r}' for r in self.remarks)
    if self.largest is None:
      lines.append('Largest gap: none is positive; nothing to fix from these errors.')
    else:
      goal, remedies = REMEDIES[self.largest]
      lines.append(
          f'Largest gap: {GAP_LABELS[self.largest]} '
          f'({100 * self.gap(self.largest):.2f} points) -> {GOALS[goal]}:'
      )
      lines.extend(f'  - {r}' for r in remedies)
      if 'within noise' in self._gap_text(
          next(g for g in self.gaps if g.name == self.largest), num_examples
      ):
        lines.append(
            '  (this gap is within the noise of the measured errors: enlarge the '
            'smaller split before acting on it, 3.5)'
        )
    lines.append(f'{GOALS["real_world"]}: {REAL_WORLD_REMEDY}')
    lines.append(f'Note: {EARLY_STOPPING_NOTE}')
    return '\n'.join(lines)

  def _gap_text(self, gap: Gap, num_examples: Mapping[str, int]) -> str:
    if gap.value is None:
      return 'unknown'
    text = f'{100 * gap.value:+.2f} points'
    if gap.name == self.largest:
      text += '  <- largest'
    lo, hi = self.errors[gap.lower], self.errors[gap.upper]
    sizes = [num_examples[s] for s in (gap.lower, gap.upper) if s in num_examples]
    if sizes and lo != hi and not confidence.can_separate(lo, hi, min(sizes)):
      text += f'  (within noise at n={min(sizes)})'
    return text


def diagnose(
    human_error: Optional[float],
    train_error: float,
    dev_error: float,
    train_dev_error: Optional[float] = None,
    test_error: Optional[float] = None,
) -> Diagnosis:
  """Gaps between human, train, train-dev, dev and test errors (notes 3.12).

  Args:
    human_error: human-level error as a proxy of Bayes error (3.7), or None when
      unknown: avoidable bias is then reported as unknown, never assumed 0.
    train_error: error on the training set, fraction in [0, 1].
    dev_error: error on the dev set.
    train_dev_error: error on held-out data from the training distribution;
      without it, variance is train -> dev and cannot be told from data mismatch.
    test_error: error on the test set.

  Returns:
    a Diagnosis; `.report()` prints it.

  Raises:
    ValueError: an error outside [0, 1].
  """
  errors = {
      'human': human_error,
      'train': train_error,
      'train_dev': train_dev_error,
      'dev': dev_error,
      'test': test_error,
  }
  for split, value in errors.items():
    if value is None and split in ('train', 'dev'):
      raise ValueError(f'{split}_error is required')
    if value is not None and not 0.0 <= value <= 1.0:
      raise ValueError(f'{split}_error must be a fraction in [0, 1], got {value}')
  remarks = []

  def between(lower, upper):
    if errors[lower] is None or errors[upper] is None:
      return None
    return errors[upper] - errors[lower]

  if train_dev_error is None:
    variance = Gap('variance', 'train', 'dev', between('train', 'dev'))
    mismatch = Gap('data_mismatch', 'train_dev', 'dev', None)
    remarks.append(
        'no train-dev error: variance is measured train -> dev and includes '
        'any data mismatch (hold out part of the training distribution, 3.12)'
    )
  else:
    variance = Gap('variance', 'train', 'train_dev', between('train', 'train_dev'))
    mismatch = Gap('data_mismatch', 'train_dev', 'dev', between('train_dev', 'dev'))
  gaps = (
      Gap('avoidable_bias', 'human', 'train', between('human', 'train')),
      variance,
      mismatch,
      Gap('overfitting_to_dev', 'dev', 'test', between('dev', 'test')),
  )
  if human_error is None:
    remarks.append(
        'human-level error unknown: avoidable bias cannot be measured ' '(set human_error; 3.7)'
    )
  elif train_error < human_error:
    remarks.append(
        'train error is below human-level error: the model has passed the '
        'human proxy for Bayes error, and the tools of 3.7 get harder to use'
    )
  known = [g for g in gaps if g.value is not None and g.value > 0]
  largest = max(known, key=lambda g: g.value).name if known else None
  return Diagnosis(errors, gaps, largest, tuple(remarks))


_ERROR_FIELDS = ('human_error', 'train_error', 'train_dev_error', 'dev_error', 'test_error')


def check_config(config) -> None:
  """Every field of launch/configs/diagnose.py; raises ConfigError."""
  for field in _ERROR_FIELDS:
    value = config.get(field, -1.0)
    required = field in ('train_error', 'dev_error')
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value <= 1
    ok = ok and (value >= 0 or not required)
    require(
        ok,
        field,
        value,
        'required: a fraction in [0, 1]'
        if required
        else 'must be a fraction in [0, 1], or < 0 for not measured',
    )
  for split in ('train', 'train_dev', 'dev', 'test'):
    require_int(f'num_{split}', config.get(f'num_{split}', 0), 0)


def diagnosis_from_config(config) -> tuple[Diagnosis, dict[str, int]]:
  """`diagnose` from a config of errors (negative = not measured) and sizes (0 = unknown).

  Reads human_error, train_error, train_dev_error, dev_error, test_error and
  num_train, num_train_dev, num_dev, num_test, as in launch/configs/diagnose.py.

  Returns:
    (Diagnosis, {split: n} for the known sizes), ready for `Diagnosis.report`.

  Raises:
    ConfigError: a field out of range (check_config).
  """
  check_config(config)

  def measured(name):
    value = config.get(name, -1.0)
    return None if value is None or value < 0 else float(value)

  result = diagnose(
      measured('human_error'),
      measured('train_error'),
      measured('dev_error'),
      train_dev_error=measured('train_dev_error'),
      test_error=measured('test_error'),
  )
  sizes = {
      split: int(config.get(f'num_{split}', 0)) for split in ('train', 'train_dev', 'dev', 'test')
  }
  return result, {s: n for s, n in sizes.items() if n > 0}
