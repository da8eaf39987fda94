"""Tests for jaxdl.analysis.confidence against scipy and hand formulas."""

import math

import numpy as np
import pytest
from scipy import stats

from jaxdl.analysis import confidence


@pytest.mark.parametrize('k,n', [(0, 10), (1, 20), (50, 1000), (7, 7), (3, 100)])
@pytest.mark.parametrize('level', [0.9, 0.95, 0.99])
def test_wilson_matches_scipy(k, n, level):
  got = confidence.error_confidence_interval(k / n, n, level, method='wilson')
  want = stats.binomtest(k, n).proportion_ci(confidence_level=level, method='wilson')
  np.testing.assert_allclose(got, (want.low, want.high), atol=1e-12)


def test_normal_interval_hand_value():
  # 5% on 1000 at 95%: 0.05 ± 1.959964 * sqrt(0.05 * 0.95 / 1000).
  low, high = confidence.error_confidence_interval(0.05, 1000, method='normal')
  half = 1.959963984540054 * math.sqrt(0.05 * 0.95 / 1000)
  assert (low, high) == pytest.approx((0.05 - half, 0.05 + half))


def test_interval_shrinks_like_one_over_sqrt_n():
  widths = [
      np.subtract(*confidence.error_confidence_interval(0.1, n, method='normal'))
      for n in (100, 400, 1600)
  ]
  assert widths[0] / widths[1] == pytest.approx(2.0)
  assert widths[1] / widths[2] == pytest.approx(2.0)


def test_coverage_by_simulation():
  # The Wilson interval should contain the true error ~95% of the time.
  rng = np.random.default_rng(0)
  true_error, n = 0.08, 300
  hits = 0
  for k in rng.binomial(n, true_error, size=2000):
    low, high = confidence.error_confidence_interval(k / n, n)
    hits += low <= true_error <= high
  assert 0.93 <= hits / 2000 <= 0.97


def test_format_error():
  text = confidence.format_error(0.05, 1000)
  low, high = stats.binomtest(50, 1000).proportion_ci(method='wilson')
  assert text == f'5.00% (95% CI {100 * low:.2f}-{100 * high:.2f}%, n=1000)'


def test_examples_to_separate_is_the_threshold():
  n = confidence.examples_to_separate(0.03, 0.05)
  # Hand formula: 1.96^2 * (0.03*0.97 + 0.05*0.95) / 0.02^2.
  assert n == math.ceil(1.959963984540054**2 * (0.0291 + 0.0475) / 0.0004)

  # At n the two-proportion z statistic reaches z_0.975; one fewer falls short.
  def z_stat(m):
    return 0.02 / math.sqrt((0.0291 + 0.0475) / m)

  assert z_stat(n) >= stats.norm.ppf(0.975) > z_stat(n - 1)
  assert confidence.can_separate(0.03, 0.05, n)
  assert not confidence.can_separate(0.03, 0.05, n - 1)
  assert not confidence.can_separate(0.03, 0.03, 10**9)
  with pytest.raises(ValueError, match='differ'):
    confidence.examples_to_separate(0.1, 0.1)


@pytest.mark.parametrize(
    'n,want',
    [
        (1_000, (0.6, 0.2, 0.2)),  # notes 3.5 old way
        (50_000, (0.6, 0.2, 0.2)),
        (100_000, (0.8, 0.1, 0.1)),
        (1_000_000, (0.98, 0.01, 0.01)),  # notes 3.5 big data
        (10_000_000, (0.98, 0.01, 0.01)),
    ],
)
def test_default_split_fractions(n, want):
  got = confidence.default_split_fractions(n)
  assert got == pytest.approx(want)
  assert sum(got) == pytest.approx(1.0)


def test_bad_inputs_raise():
  with pytest.raises(ValueError, match='method'):
    confidence.error_confidence_interval(0.1, 10, method='exact')
  with pytest.raises(ValueError, match='error'):
    confidence.error_confidence_interval(1.5, 10)
  with pytest.raises(ValueError, match='n must'):
    confidence.error_confidence_interval(0.1, 0)
  with pytest.raises(ValueError, match='confidence'):
    confidence.error_confidence_interval(0.1, 10, confidence=95)
  with pytest.raises(ValueError, match='num_examples'):
    confidence.default_split_fractions(2)


def test_more_bad_inputs_raise():
  nan = float('nan')
  with pytest.raises(ValueError, match=r'error must be in \[0, 1\], got nan'):
    confidence.error_confidence_interval(nan, 100)
  with pytest.raises(ValueError, match='n must be a whole number of examples, got nan'):
    confidence.error_confidence_interval(0.1, nan)
  with pytest.raises(ValueError, match='n must be a whole number of examples, got True'):
    confidence.error_confidence_interval(0.1, True)
  with pytest.raises(ValueError, match=r'confidence must be in \(0, 1\), got 1.5'):
    confidence.examples_to_separate(0.03, 0.05, confidence=1.5)
  # Before: can_separate answered False for nonsense instead of raising.
  with pytest.raises(ValueError, match=r'error_a must be in \[0, 1\], got 1.5'):
    confidence.can_separate(1.5, 1.5, 100)
  with pytest.raises(ValueError, match='n must be >= 1, got -5'):
    confidence.can_separate(0.03, 0.05, -5)
  with pytest.raises(ValueError, match='n must be a whole number of examples, got nan'):
    confidence.can_separate(0.03, 0.05, nan)
  assert confidence.can_separate(0.03, 0.03, 10) is False  # equal errors: valid, never separated
  # Before: a NaN size returned (nan, nan, nan) fractions.
  with pytest.raises(ValueError, match='num_examples must be a whole number of examples, got nan'):
    confidence.default_split_fractions(nan)
  with pytest.raises(ValueError, match='num_examples must be >= 3, got 2'):
    confidence.default_split_fractions(2)
  assert confidence.default_split_fractions(np.int64(100_000)) == pytest.approx((0.8, 0.1, 0.1))
