"""Verification (notes 4.13): threshold search, ROC AUC and logistic regression vs references."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLogReg
from sklearn.metrics import roc_auc_score

from jaxdl.embedding import verification as v
from jaxdl.embedding.identities import sample_pairs, split_by_identity


def _brute_best_accuracy(d, same):
  cands = np.concatenate([[d.min() - 1], d])
  return max(np.mean((d <= t) == same) for t in cands)


@pytest.mark.parametrize('seed', range(4))
def test_choose_threshold_reaches_brute_force_optimum(seed):
  rng = np.random.default_rng(seed)
  same = rng.random(40) < 0.5
  d = np.where(same, rng.normal(0.5, 0.3, 40), rng.normal(1.2, 0.3, 40)).round(1)  # ties on purpose
  tau = v.choose_threshold(d, same)
  np.testing.assert_allclose(v.threshold_accuracy(d, same, tau), _brute_best_accuracy(d, same))


def test_choose_threshold_separable_and_hand_case():
  d = np.array([0.1, 0.2, 0.9, 1.0])
  same = np.array([1, 1, 0, 0])
  tau = v.choose_threshold(d, same)
  assert 0.2 < tau < 0.9 and v.threshold_accuracy(d, same, tau) == 1.0
  # All pairs "different": the best rule predicts nothing as same.
  assert v.threshold_accuracy(d, np.zeros(4), v.choose_threshold(d, np.zeros(4))) == 1.0


@pytest.mark.parametrize('seed', range(3))
def test_roc_auc_matches_sklearn_with_ties(seed):
  rng = np.random.default_rng(seed)
  labels = rng.random(60) < 0.4
  scores = (rng.normal(size=60) + labels).round(1)
  np.testing.assert_allclose(v.roc_auc(scores, labels), roc_auc_score(labels, scores), rtol=1e-12)


def test_roc_auc_hand_cases():
  assert v.roc_auc([0.1, 0.9], [0, 1]) == 1.0
  assert v.roc_auc([0.9, 0.1], [0, 1]) == 0.0
  assert v.roc_auc([0.5, 0.5], [0, 1]) == 0.5
  with pytest.raises(ValueError, match='both classes'):
    v.roc_auc([0.1, 0.2], [1, 1])


def test_logistic_regression_matches_sklearn():
  rng = np.random.default_rng(0)
  x = np.abs(rng.normal(size=(300, 6)))
  y = (x @ np.array([1.0, -2.0, 0.5, 0.0, 1.0, -1.0]) + 0.3 * rng.normal(size=300)) > 0
  l2 = 0.01
  ours = v.fit_logistic_regression(x, y, l2=l2)
  ref = SkLogReg(C=1.0 / (l2 * len(y)), tol=1e-10, max_iter=10_000).fit(x, y)
  np.testing.assert_allclose(ours.w, ref.coef_[0], rtol=2e-3, atol=2e-3)
  np.testing.assert_allclose(ours.b, ref.intercept_[0], rtol=2e-3, atol=2e-3)
  np.testing.assert_allclose(v.predict_proba(ours, x), ref.predict_proba(x)[:, 1], atol=1e-3)


def test_abs_diff_features_and_shape_errors():
  a, b = np.array([[1.0, -2.0]]), np.array([[0.0, 1.0]])
  np.testing.assert_allclose(v.abs_diff_features(a, b), [[1.0, 3.0]])
  np.testing.assert_allclose(v.pair_sq_distances(a, b), [10.0])
  with pytest.raises(ValueError, match='same shape'):
    v.pair_sq_distances(a, b[:, :1])
  with pytest.raises(ValueError, match='same'):
    v.threshold_accuracy(np.array([0.1]), np.array([2]), 0.5)
  with pytest.raises(ValueError, match='l2'):
    v.fit_logistic_regression(a, np.array([1]), l2=-1.0)


def test_report_on_clustered_embeddings_is_perfect_and_on_noise_is_chance():
  rng = np.random.default_rng(0)
  centres = rng.normal(size=(10, 16))
  labels = np.repeat(np.arange(10), 30)
  good = centres[labels] + 0.05 * rng.normal(size=(300, 16))
  noise = rng.normal(size=(300, 16))
  splits = split_by_identity({'e': good, 'n': noise, 'label': labels}, held_out=[7, 8, 9])

  def pairs(split, key, seed):
    i, j, same = sample_pairs(split['label'], 400, seed)
    return split[key][i], split[key][j], same

  rep = v.verification_report(pairs(splits['dev'], 'e', 0), pairs(splits['test'], 'e', 1))
  assert rep['threshold_acc'] == 1.0 and rep['distance_auc'] == 1.0
  assert rep['logreg_acc'] > 0.97 and rep['logreg_auc'] > 0.99
  rep = v.verification_report(pairs(splits['dev'], 'n', 0), pairs(splits['test'], 'n', 1))
  assert abs(rep['distance_auc'] - 0.5) < 0.1 and abs(rep['logreg_auc'] - 0.5) < 0.1


def test_split_by_identity_keeps_test_identities_out():
  pool = {'x': np.arange(100), 'label': np.arange(100) % 5}
  s = split_by_identity(pool, held_out=[3, 4], dev_fraction=0.2, seed=0)
  assert set(s['test']['label']) == {3, 4} and len(s['test']['x']) == 40
  assert set(s['train']['label']) == set(s['dev']['label']) == {0, 1, 2}
  assert len(s['dev']['x']) == 12 and len(s['train']['x']) == 48
  assert not set(s['train']['x']) & set(s['dev']['x'])
  with pytest.raises(ValueError, match='held_out'):
    split_by_identity(pool, held_out=[9])
  with pytest.raises(ValueError, match='no identity'):
    split_by_identity(pool, held_out=range(5))


def test_sample_pairs_balanced_and_correct():
  labels = np.repeat(np.arange(4), 5)
  i, j, same = sample_pairs(labels, 200, seed=0)
  assert same.sum() == 100 and np.all(i != j)
  np.testing.assert_array_equal(labels[i] == labels[j], same)
  with pytest.raises(ValueError, match='n_pairs'):
    sample_pairs(labels, 3)


@pytest.mark.parametrize('bad', [np.nan, np.inf, -np.inf])
def test_roc_auc_rejects_non_finite_scores(bad):
  # Before: a NaN score sorted to one end and roc_auc returned a plain number.
  scores = np.array([0.1, bad, 0.8, 0.3])
  with pytest.raises(
      ValueError, match=r'scores must be finite, got 1 NaN/inf value\(s\), first at index 1'
  ):
    v.roc_auc(scores, [0, 1, 1, 0])


def test_verification_inputs_are_checked():
  with pytest.raises(ValueError, match=r'scores must be a 1-D \[n\] array, got shape \(2, 2\)'):
    v.roc_auc(np.zeros((2, 2)), [0, 1])
  with pytest.raises(ValueError, match=r'same must have shape \(3,\), got \(2,\)'):
    v.roc_auc([0.1, 0.2, 0.3], [0, 1])
  with pytest.raises(ValueError, match='distances must be finite'):
    v.choose_threshold([0.1, np.nan, 0.3], [1, 0, 0])
  with pytest.raises(ValueError, match='distances must be non-empty'):
    v.choose_threshold([], [])
  with pytest.raises(ValueError, match='distances must be non-empty'):
    v.threshold_accuracy([], [], 0.5)
  with pytest.raises(ValueError, match='threshold must be a number, got nan'):
    v.threshold_accuracy([0.1, 0.2], [1, 0], float('nan'))
  assert v.threshold_accuracy([0.1, 0.2], [1, 0], np.inf) == 0.5  # inf: all "same", valid
  with pytest.raises(
      ValueError, match=r'emb1 and emb2 must be \[n, dim\] pair embeddings, got shape \(3,\)'
  ):
    v.pair_sq_distances(np.zeros(3), np.zeros(3))
  with pytest.raises(ValueError, match='same shape'):
    v.abs_diff_features([[0.0, 1.0]], [[0.0, 1.0, 2.0]])  # lists are accepted, shapes still checked
  with pytest.raises(ValueError, match='l2 must be >= 0, got nan'):
    v.fit_logistic_regression(np.zeros((2, 3)), [0, 1], l2=float('nan'))
  with pytest.raises(ValueError, match='steps must be a positive int, got 0'):
    v.fit_logistic_regression(np.zeros((2, 3)), [0, 1], steps=0)
  with pytest.raises(
      ValueError, match=r'features must be \[n, dim\] with n >= 1, got shape \(0, 3\)'
  ):
    v.fit_logistic_regression(np.zeros((0, 3)), [])
  with pytest.raises(ValueError, match=r'features must be finite, got 1 NaN/inf'):
    v.fit_logistic_regression(np.array([[0.0, np.nan], [1.0, 1.0]]), [0, 1])
  model = v.fit_logistic_regression(np.array([[0.0, 0.0], [1.0, 1.0]]), [0, 1])
  with pytest.raises(
      ValueError, match=r'features must be \[n, dim=2\] \(the fitted dim\), got shape \(1, 3\)'
  ):
    v.predict_proba(model, np.zeros((1, 3)))
