"""Learning-rate decay (notes 2.8) vs the formulas, per epoch."""

import numpy as np
import pytest

from jaxdl.optim import schedules

SPE = 7  # steps per epoch


def _epochs(steps):
  return 1 + steps // SPE  # notes count epochs from 1


STEPS = np.arange(0, 60)


def test_inverse_time():
  f = schedules.inverse_time_decay(0.2, 1.0, SPE)
  want = 0.2 / (1 + 1.0 * _epochs(STEPS))
  np.testing.assert_allclose([f(s) for s in STEPS], want, rtol=1e-6)
  # The notes' example: alpha0 = 0.2, decay 1 -> 0.1, 0.067, 0.05, 0.04.
  np.testing.assert_allclose([f(e * SPE) for e in range(4)], [0.1, 0.2 / 3, 0.05, 0.04], rtol=1e-6)


def test_exponential_and_inverse_sqrt_and_staircase():
  e = _epochs(STEPS)
  np.testing.assert_allclose(schedules.exponential_decay(0.1, SPE)(STEPS), 0.95**e * 0.1, rtol=1e-6)
  np.testing.assert_allclose(
      schedules.inverse_sqrt_decay(0.1, SPE, k=2.0)(STEPS), 2.0 / np.sqrt(e) * 0.1, rtol=1e-6
  )
  np.testing.assert_allclose(
      schedules.staircase_decay(0.1, SPE, drop=0.5, epochs_per_drop=3)(STEPS),
      0.1 * 0.5 ** np.floor(e / 3),
      rtol=1e-6,
  )


def test_constant_within_epoch_and_first_epoch_zero():
  f = schedules.inverse_time_decay(1.0, 0.5, SPE, first_epoch=0)
  assert float(f(0)) == pytest.approx(1.0)
  vals = np.asarray(f(np.arange(SPE)))
  assert np.all(vals == vals[0])
  assert float(f(SPE)) == pytest.approx(1 / 1.5)


def test_factory_and_errors():
  f = schedules.make_notes_schedule("exponential", 0.3, SPE, base=0.9)
  assert float(f(2 * SPE)) == pytest.approx(0.3 * 0.9**3, rel=1e-6)
  assert float(schedules.make_notes_schedule("constant", 0.3, SPE)(99)) == (pytest.approx(0.3))
  with pytest.raises(ValueError, match="unknown schedule"):
    schedules.make_notes_schedule("cosine_restarts", 0.1, SPE)
  with pytest.raises(ValueError, match="steps_per_epoch"):
    schedules.inverse_time_decay(0.1, 1.0, 0)
  with pytest.raises(ValueError, match="alpha0"):
    schedules.exponential_decay(-0.1, SPE)
  with pytest.raises(ValueError, match="first_epoch"):
    schedules.inverse_sqrt_decay(0.1, SPE, first_epoch=0)
