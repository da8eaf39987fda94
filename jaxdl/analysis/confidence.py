"""How sure is a measured error, and how big should dev/test be (notes 2.1, 3.5).

An error measured on n examples is a binomial proportion: with k mistakes, the
estimate k/n has a standard error of about sqrt(e(1-e)/n). On 100 dev examples
a 5% error is really "somewhere between 2% and 11%", which cannot tell a 5%
model from an 8% one. The functions below put that interval beside every dev
and test error, and size the splits so that the interval is narrow (3.5:
"big enough to give high confidence in the overall performance").
"""

from __future__ import annotations

import math
from statistics import NormalDist

METHODS = ('wilson', 'normal')

# notes 3.5: dev/test need a fixed number of examples, not a fixed share. With
# 10,000 examples the 95% interval half-width is at most 1.96*sqrt(.25/1e4),
# under one percentage point at any error rate, which is the resolution that
# model comparisons usually need.
TARGET_EVAL_EXAMPLES = 10_000
# notes 3.5 old way: 60/20/20 for small data sets.
MAX_EVAL_FRACTION = 0.2
# notes 3.5 big data: 98/1/1.
MIN_EVAL_FRACTION = 0.01


def _check_n(name: str, n, minimum: int = 1) -> int:
  """n as an int, or ValueError: a whole number of examples >= minimum."""
  if isinstance(n, bool) or not isinstance(n, (int, float)) and not hasattr(n, '__index__'):
    raise ValueError(f'{name} must be a whole number of examples, got {n!r}')
  if not float(n).is_integer():  # NaN and inf fail too
    raise ValueError(f'{name} must be a whole number of examples, got {n}')
  if int(n) < minimum:
    raise ValueError(f'{name} must be >= {minimum}, got {int(n)}')
  return int(n)


def _check_error(name: str, value: float) -> None:
  if not 0.0 <= value <= 1.0:  # NaN fails too
    raise ValueError(f'{name} must be in [0, 1], got {value}')


def _z(confidence: float) -> float:
  if not 0 < confidence < 1:
    raise ValueError(f'confidence must be in (0, 1), got {confidence}')
  return NormalDist().inv_cdf(0.5 + confidence / 2)


def error_confidence_interval(
    error: float, n: int, confidence: float = 0.95, method: str = 'wilson'
) -> tuple[float, float]:
  """Confidence interval of an error rate measured on n examples.

  Args:
    error: measured error in [0, 1] (mistakes / n).
    n: number of examples it was measured on (>= 1).
    confidence: coverage, e.g. 0.95.
    method: 'wilson' (the Wilson score interval: stays inside [0, 1] and is
      honest at 0% or 100% error and small n) or 'normal' (Wald: e ± z·sqrt(e(1-e)/n),
      clipped to [0, 1]; too narrow for small n or extreme errors).

  Returns:
    (low, high), both in [0, 1].
  """
  if method not in METHODS:
    raise ValueError(f'method must be one of {METHODS}, got {method!r}')
  n = _check_n('n', n)
  _check_error('error', error)
  z = _z(confidence)
  if method == 'normal':
    half = z * math.sqrt(error * (1 - error) / n)
    return max(0.0, error - half), min(1.0, error + half)
  denominator = 1 + z * z / n
  centre = (error + z * z / (2 * n)) / denominator
  half = z * math.sqrt(error * (1 - error) / n + z * z / (4 * n * n)) / denominator
  return max(0.0, centre - half), min(1.0, centre + half)


def format_error(error: float, n: int, confidence: float = 0.95) -> str:
  """'5.00% (95% CI 3.81-6.54%, n=1000)': an error with its Wilson interval."""
  low, high = error_confidence_interval(error, n, confidence)
  return (
      f'{100 * error:.2f}% ({100 * confidence:.0f}% CI '
      f'{100 * low:.2f}-{100 * high:.2f}%, n={n})'
  )


def examples_to_separate(error_a: float, error_b: float, confidence: float = 0.95) -> int:
  """Dev set size at which two models' errors differ beyond noise.

  Two errors measured on the same-size dev set, treated as independent
  proportions, differ significantly at the given confidence when
  |e_a - e_b| > z·sqrt((e_a(1-e_a) + e_b(1-e_b)) / n). Solving for n gives the
  number returned (so 3% vs 5% needs about 740 examples; 3% vs 3.1% about
  230,000, which is why 3.5 grows dev sets with the data).

  Args:
    error_a, error_b: the two errors in [0, 1]; must differ.
    confidence: the two-sided confidence level.

  Returns:
    the smallest whole number of dev examples n.
  """
  _check_error('error_a', error_a)
  _check_error('error_b', error_b)
  if error_a == error_b:
    raise ValueError('error_a and error_b must differ: equal errors are never separated')
  z = _z(confidence)
  variance = error_a * (1 - error_a) + error_b * (1 - error_b)
  # max(., 1): two errors of exactly 0 and 1 have no variance; one example separates them.
  return max(1, math.ceil(z * z * variance / (error_a - error_b) ** 2))


def can_separate(error_a: float, error_b: float, n: int, confidence: float = 0.95) -> bool:
  """True when n dev examples are enough to tell error_a from error_b (see above).

  Equal errors are never separated (False); the arguments are checked first,
  so that out-of-range errors or a bad n raise instead of answering False.
  """
  _check_error('error_a', error_a)
  _check_error('error_b', error_b)
  n = _check_n('n', n)
  _z(confidence)
  if error_a == error_b:
    return False
  return n >= examples_to_separate(error_a, error_b, confidence)


def default_split_fractions(num_examples: int) -> tuple[float, float, float]:
  """(train, dev, test) fractions that depend on the data set size (notes 3.5).

  Dev and test each get TARGET_EVAL_EXAMPLES (10,000) examples, as a fraction
  clipped to [1%, 20%]: 60/20/20 for up to 50,000 examples (the old way, when
  data was scarce), 80/10/10 at 100,000, 98/1/1 from a million (big data).

  Args:
    num_examples: the total number of labelled examples (>= 3).

  Returns:
    (train, dev, test) fractions summing to 1.
  """
  num_examples = _check_n('num_examples', num_examples, minimum=3)  # three splits
  fraction = min(MAX_EVAL_FRACTION, max(MIN_EVAL_FRACTION, TARGET_EVAL_EXAMPLES / num_examples))
  return 1.0 - 2 * fraction, fraction, fraction
