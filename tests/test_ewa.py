"""Exponentially weighted averages (notes 2.4) vs a numpy loop."""

import numpy as np
import pytest

from jaxdl.optim import ewa


def _numpy_ewa(x, beta, correct):
  v, out = 0.0, []
  for t, theta in enumerate(x, start=1):
    v = beta * v + (1 - beta) * theta
    out.append(v / (1 - beta**t) if correct else v)
  return np.array(out)


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.98])
@pytest.mark.parametrize("correct", [True, False])
def test_matches_numpy_loop(beta, correct):
  x = np.random.default_rng(0).normal(size=100) + np.linspace(0, 3, 100)
  np.testing.assert_allclose(
      ewa.ewa(x, beta, bias_correction=correct), _numpy_ewa(x, beta, correct), rtol=1e-5, atol=1e-5
  )


def test_bias_correction_removes_start_bias():
  x = np.full(50, 10.0)
  corrected = np.asarray(ewa.ewa(x, 0.98))
  raw = np.asarray(ewa.ewa(x, 0.98, bias_correction=False))
  np.testing.assert_allclose(corrected, 10.0, rtol=1e-5)
  # Uncorrected starts at (1 - beta) * theta_1 = 0.2.
  np.testing.assert_allclose(raw[0], 0.2, rtol=1e-5)
  np.testing.assert_allclose(raw, 10.0 * (1 - 0.98 ** np.arange(1, 51)), rtol=1e-5)


def test_vector_series_and_window():
  x = np.random.default_rng(1).normal(size=(30, 3))
  got = np.asarray(ewa.ewa(x, 0.9))
  for j in range(3):
    np.testing.assert_allclose(got[:, j], _numpy_ewa(x[:, j], 0.9, True), rtol=1e-5, atol=1e-6)
  assert ewa.effective_window(0.9) == pytest.approx(10.0)


def test_bad_beta_raises():
  with pytest.raises(ValueError, match="beta"):
    ewa.ewa(np.ones(3), 1.0)
