"""Tests for jaxdl.analysis.diagnosis on the worked examples of the notes."""

import pytest

from jaxdl.analysis import diagnosis


def test_notes_3_8_scenario_a_is_avoidable_bias():
  result = diagnosis.diagnose(human_error=0.01, train_error=0.08, dev_error=0.10)
  assert result.gap('avoidable_bias') == pytest.approx(0.07)
  assert result.gap('variance') == pytest.approx(0.02)
  assert result.largest == 'avoidable_bias'
  remedies = result.remedies()
  assert list(remedies) == [diagnosis.GOALS['fit_train']]
  assert (
      'train a bigger network (more hidden units or layers)'
      in remedies[diagnosis.GOALS['fit_train']]
  )


def test_notes_3_8_scenario_b_is_variance():
  result = diagnosis.diagnose(human_error=0.075, train_error=0.08, dev_error=0.10)
  assert result.gap('avoidable_bias') == pytest.approx(0.005)
  assert result.largest == 'variance'
  assert 'get more training data' in result.remedies()[diagnosis.GOALS['fit_dev']]


def test_notes_3_12_train_dev_separates_variance_from_mismatch():
  overfit = diagnosis.diagnose(None, train_error=0.01, train_dev_error=0.09, dev_error=0.10)
  assert overfit.largest == 'variance'
  assert overfit.gap('variance') == pytest.approx(0.08)
  assert overfit.gap('data_mismatch') == pytest.approx(0.01)
  harder = diagnosis.diagnose(None, train_error=0.01, train_dev_error=0.01, dev_error=0.10)
  assert harder.largest == 'data_mismatch'
  assert harder.gap('data_mismatch') == pytest.approx(0.09)
  assert any(
      'artificial data synthesis' in r for r in harder.remedies()[diagnosis.GOALS['fit_dev']]
  )


def test_overfitting_to_dev_goes_to_goal_3():
  result = diagnosis.diagnose(0.01, 0.012, train_dev_error=0.015, dev_error=0.02, test_error=0.08)
  assert result.largest == 'overfitting_to_dev'
  assert result.gap('overfitting_to_dev') == pytest.approx(0.06)
  assert list(result.remedies()) == [diagnosis.GOALS['fit_test']]


def test_unknown_human_error_is_reported_not_assumed():
  result = diagnosis.diagnose(None, train_error=0.2, dev_error=0.21)
  assert result.gap('avoidable_bias') is None
  assert result.gap('data_mismatch') is None  # no train-dev set
  assert result.largest == 'variance'
  text = result.report()
  assert 'human-level error  unknown (set human_error)' in text
  assert 'avoidable bias cannot be measured' in text
  assert 'includes any data mismatch' in text


def test_no_positive_gap():
  result = diagnosis.diagnose(0.05, train_error=0.05, dev_error=0.05)
  assert result.largest is None
  assert result.remedies() == {}
  assert 'none is positive' in result.report()


def test_report_lists_chain_goals_ci_and_early_stopping():
  result = diagnosis.diagnose(0.01, 0.08, dev_error=0.10, train_dev_error=0.09, test_error=0.11)
  text = result.report(num_examples={'train': 5000, 'train_dev': 300, 'dev': 300, 'test': 300})
  lines = text.splitlines()
  order = [
      next(i for i, l in enumerate(lines) if l.strip().startswith(k))
      for k in (
          'human-level error',
          'avoidable bias',
          'train error',
          'variance',
          'train-dev error',
          'data mismatch',
          'dev error',
          'overfitting to dev',
          'test error',
      )
  ]
  assert order == sorted(order)
  assert '+7.00 points  <- largest' in text
  # 9% vs 10% on 300 examples is well inside the noise; 1% vs 8% on 5000 is not.
  assert 'data mismatch        +1.00 points  (within noise at n=300)' in text
  assert 'within noise' not in next(l for l in lines if 'avoidable bias' in l)
  assert 'dev error          10.00% (95% CI' in text
  assert 'early stopping is not orthogonal' in text
  assert diagnosis.GOALS['real_world'] in text


def test_train_below_human_is_remarked():
  result = diagnosis.diagnose(0.05, train_error=0.03, dev_error=0.04)
  assert result.gap('avoidable_bias') == pytest.approx(-0.02)
  assert any('below human-level' in r for r in result.remarks)


def test_bad_inputs_raise():
  with pytest.raises(ValueError, match='dev_error must be a fraction'):
    diagnosis.diagnose(0.01, 0.05, dev_error=10.0)
  with pytest.raises(ValueError, match='train_error is required'):
    diagnosis.diagnose(0.01, None, dev_error=0.1)
  with pytest.raises(ValueError, match='name must be one of'):
    diagnosis.diagnose(0.01, 0.05, 0.1).gap('bias')


def test_largest_gap_within_noise_is_flagged():
  result = diagnosis.diagnose(None, 0.05, dev_error=0.07)
  assert 'within the noise' in result.report({'train': 100, 'dev': 100})
  assert 'within the noise' not in result.report({'train': 100_000, 'dev': 100_000})
