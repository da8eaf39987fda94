"""Tests for jaxdl.analysis.metrics against scikit-learn and hand counts."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
from sklearn import metrics as skm

from jaxdl.analysis import metrics


def _random_predictions(seed, n=203, num_classes=4):
  rng = np.random.default_rng(seed)
  labels = rng.integers(0, num_classes, n)
  # Mostly right, so that every metric is away from 0 and 1.
  predictions = np.where(rng.random(n) < 0.7, labels, rng.integers(0, num_classes, n))
  return predictions, labels


def test_confusion_matrix_hand_counts():
  predictions = np.array([0, 1, 1, 2, 2, 2])
  labels = np.array([0, 1, 2, 2, 2, 0])
  expected = np.array([[1, 0, 1], [0, 1, 0], [0, 1, 2]])
  np.testing.assert_array_equal(metrics.confusion_matrix(predictions, labels, 3), expected)
  assert metrics.accuracy(expected) == pytest.approx(4 / 6)
  assert metrics.error(expected) == pytest.approx(2 / 6)


def test_binary_precision_recall_f1_hand_values():
  # 3 TP, 1 FP, 2 FN: P = 3/4, R = 3/5, F1 = 2PR/(P+R) = 2/3.
  labels = np.array([1, 1, 1, 1, 1, 0, 0, 0])
  predictions = np.array([1, 1, 1, 0, 0, 1, 0, 0])
  confusion = metrics.confusion_matrix(predictions, labels, 2)
  got = metrics.precision_recall_f1(confusion, average='binary')
  assert got['precision'] == pytest.approx(0.75)
  assert got['recall'] == pytest.approx(0.6)
  assert got['f1'] == pytest.approx(2 / 3)


@pytest.mark.parametrize('average', ['binary', 'macro', 'micro', 'per_class', 'weighted'])
def test_precision_recall_f1_match_sklearn(average):
  num_classes = 2 if average == 'binary' else 4
  predictions, labels = _random_predictions(0, num_classes=num_classes)
  confusion = metrics.confusion_matrix(predictions, labels, num_classes)
  got = metrics.precision_recall_f1(confusion, average=average)
  sk_average = None if average == 'per_class' else average
  kwargs = dict(average=sk_average, labels=list(range(num_classes)), zero_division=0)
  np.testing.assert_allclose(got['precision'], skm.precision_score(labels, predictions, **kwargs))
  np.testing.assert_allclose(got['recall'], skm.recall_score(labels, predictions, **kwargs))
  np.testing.assert_allclose(got['f1'], skm.f1_score(labels, predictions, **kwargs))


@pytest.mark.parametrize('seed', range(5))
def test_weighted_average_matches_sklearn_on_random_labels(seed):
  # Unbalanced classes (one possibly absent from the labels) so that the
  # support weights differ from the macro mean's equal weights.
  rng = np.random.default_rng(seed)
  num_classes = 5
  labels = rng.choice(num_classes, 157, p=[0.5, 0.25, 0.15, 0.1, 0.0])
  predictions = np.where(rng.random(157) < 0.6, labels, rng.integers(0, num_classes, 157))
  got = metrics.precision_recall_f1(
      metrics.confusion_matrix(predictions, labels, num_classes), average='weighted'
  )
  want = skm.precision_recall_fscore_support(
      labels, predictions, average='weighted', labels=list(range(num_classes)), zero_division=0
  )
  np.testing.assert_allclose([got['precision'], got['recall'], got['f1']], want[:3])


def test_zero_division_is_zero_like_sklearn():
  # Class 2 is never predicted and never present: its P, R and F1 are 0/0.
  predictions = np.array([0, 1, 1, 0])
  labels = np.array([0, 1, 0, 0])
  confusion = metrics.confusion_matrix(predictions, labels, 3)
  got = metrics.precision_recall_f1(confusion, average='macro')
  want = skm.f1_score(labels, predictions, average='macro', labels=[0, 1, 2], zero_division=0)
  assert got['f1'] == pytest.approx(want)


def test_counts_sum_exactly_over_batches_and_padding():
  predictions, labels = _random_predictions(1, n=203)
  total = np.zeros((4, 4), np.int64)
  for start in range(0, 203, 32):  # last batch padded to 32 with a mask
    p = np.zeros(32, np.int64)
    y = np.zeros(32, np.int64)
    m = np.zeros(32, bool)
    chunk = slice(start, min(start + 32, 203))
    k = chunk.stop - chunk.start
    p[:k], y[:k], m[:k] = predictions[chunk], labels[chunk], True
    total += np.asarray(metrics.confusion_matrix(p, y, 4, mask=m))
  np.testing.assert_array_equal(total, skm.confusion_matrix(labels, predictions, labels=range(4)))
  assert metrics.precision_recall_f1(total, 'macro')['f1'] == pytest.approx(
      skm.f1_score(labels, predictions, average='macro')
  )


def test_counts_under_jit_on_8_device_mesh():
  predictions, labels = _random_predictions(2, n=256)
  mesh = Mesh(np.array(jax.devices()), ('data',))
  sharding = NamedSharding(mesh, P('data'))
  p = jax.device_put(jnp.asarray(predictions), sharding)
  y = jax.device_put(jnp.asarray(labels), sharding)
  count = jax.jit(functools.partial(metrics.confusion_matrix, num_classes=4))
  got = np.asarray(count(p, y))
  np.testing.assert_array_equal(got, skm.confusion_matrix(labels, predictions, labels=range(4)))
  wrong, total = jax.jit(metrics.weighted_error_counts)(p, y, jnp.ones(256))
  assert float(wrong) / float(total) == pytest.approx(1 - skm.accuracy_score(labels, predictions))


def test_weighted_error_hand_value_and_sklearn():
  # notes 3.6: a mistake on a weight-10 example counts ten times.
  predictions = np.array([1, 0, 1, 1])
  labels = np.array([1, 1, 1, 0])
  weights = np.array([1.0, 1.0, 1.0, 10.0])
  assert metrics.weighted_error(predictions, labels, weights) == pytest.approx(11 / 13)
  want = 1 - skm.accuracy_score(labels, predictions, sample_weight=weights)
  assert metrics.weighted_error(predictions, labels, weights) == pytest.approx(want)
  with pytest.raises(ValueError, match='weights'):
    metrics.weighted_error(predictions, labels, -weights)
  with pytest.raises(ValueError, match='weights'):
    metrics.weighted_error(predictions, labels, 0 * weights)


def test_group_errors_counts():
  predictions = np.array([0, 1, 0, 0, 1, 1])
  labels = np.array([0, 0, 0, 1, 1, 1])
  groups = np.array([0, 0, 1, 1, 1, 2])
  errors, examples = metrics.group_error_counts(predictions, labels, groups, 4)
  np.testing.assert_array_equal(errors, [1, 1, 0, 0])
  np.testing.assert_array_equal(examples, [2, 3, 1, 0])
  rates = metrics.group_errors(errors, examples)
  np.testing.assert_allclose(rates[:3], [0.5, 1 / 3, 0.0])
  assert np.isnan(rates[3])


def test_rank_by_group_average_reproduces_notes_3_2_table():
  table = {  # notes 3.2: error by region, in %.
      'A': {'US': 3, 'China': 7, 'India': 5, 'Other': 9},
      'B': {'US': 5, 'China': 6, 'India': 5, 'Other': 10},
      'C': {'US': 2, 'China': 3, 'India': 4, 'Other': 5},
      'D': {'US': 5, 'China': 8, 'India': 7, 'Other': 2},
      'E': {'US': 4, 'China': 5, 'India': 2, 'Other': 4},
      'F': {'US': 7, 'China': 11, 'India': 8, 'Other': 12},
  }
  table = {m: {g: e / 100 for g, e in row.items()} for m, row in table.items()}
  ranked = metrics.rank_by_group_average(table)
  assert [r[0] for r in ranked] == ['C', 'E', 'D', 'A', 'B', 'F']
  averages = {m: a for m, a, _ in ranked}
  # The Average column printed in the notes.
  for model, want in {'A': 6, 'B': 6.5, 'C': 3.5, 'D': 5.5, 'E': 3.75, 'F': 9.5}.items():
    assert 100 * averages[model] == pytest.approx(want)
  text = metrics.format_group_table(ranked)
  assert text.splitlines()[2].startswith('| C | 2% | 3% | 4% | 5% | 3.5% |')
  with pytest.raises(ValueError, match='Other'):
    metrics.rank_by_group_average({'X': {'US': 0.1}}, groups=['US', 'Other'])


def test_bad_inputs_raise():
  with pytest.raises(ValueError, match='average'):
    metrics.precision_recall_f1(np.eye(2), average='samples')
  with pytest.raises(ValueError, match='labels'):
    metrics.confusion_matrix(np.array([0, 1]), np.array([0, 5]), 3)
  with pytest.raises(ValueError, match='square'):
    metrics.accuracy(np.ones((2, 3)))
  with pytest.raises(ValueError, match='same length'):
    metrics.confusion_matrix(np.array([0, 1]), np.array([0]), 2)


def test_lengths_must_match_instead_of_broadcasting():
  # Before: a length-1 mask / weights / predictions broadcast against every example.
  p, y = np.array([0, 1, 1]), np.array([0, 1, 0])
  with pytest.raises(ValueError, match=r'mask must have one entry per example \(3\), got 1'):
    metrics.confusion_matrix(p, y, 2, mask=np.array([1]))
  with pytest.raises(ValueError, match=r'weights must have one entry per example \(3\), got 2'):
    metrics.weighted_error_counts(p, y, np.ones(2))
  with pytest.raises(ValueError, match=r'predictions must have one entry per example \(3\), got 1'):
    metrics.weighted_error_counts(np.array([1]), y, np.ones(3))
  with pytest.raises(ValueError, match=r'labels must have one entry per example \(3\), got 1'):
    metrics.group_error_counts(p, np.array([0]), np.array([0, 1, 1]), 2)
  with pytest.raises(ValueError, match=r'mask must have one entry per example \(3\), got 2'):
    metrics.group_error_counts(p, y, np.array([0, 1, 1]), 2, mask=np.ones(2))
  # The check is on static shapes, so it also fires under jit.
  with pytest.raises(ValueError, match='mask must have one entry per example'):
    jax.jit(lambda a, b, m: metrics.confusion_matrix(a, b, 2, mask=m))(p, y, np.ones(2))


def test_counts_and_tables_reject_bad_values():
  with pytest.raises(ValueError, match='num_classes must be a positive int, got 2.5'):
    metrics.confusion_matrix([0], [0], 2.5)
  with pytest.raises(ValueError, match='num_groups must be a positive int, got 0'):
    metrics.group_error_counts([0], [0], [0], 0)
  with pytest.raises(ValueError, match=r'weights must be finite, got 1 NaN/inf'):
    metrics.weighted_error([0, 1], [0, 0], [1.0, np.nan])  # before: returned nan
  with pytest.raises(ValueError, match=r'weights must be >= 0, got min -1.0'):
    metrics.weighted_error([0, 1], [0, 0], [1.0, -1.0])
  with pytest.raises(ValueError, match=r'confusion must hold counts >= 0 \(no NaN\), got 1 bad'):
    metrics.accuracy(np.array([[3, -1], [0, 2]]))
  with pytest.raises(ValueError, match=r'confusion must hold counts >= 0'):
    metrics.precision_recall_f1(np.array([[3.0, np.nan], [0, 2]]))
  with pytest.raises(ValueError, match=r'square \[C, C\] matrix with C >= 1, got shape \(0, 0\)'):
    metrics.accuracy(np.zeros((0, 0)))
  with pytest.raises(ValueError, match=r'errors must be counts with 0 <= errors <= examples'):
    metrics.group_errors([5, 0], [3, 2])  # before: an "error rate" of 1.67
  with pytest.raises(ValueError, match=r'must be equal \[G\] shapes'):
    metrics.group_errors([1, 0], [3])
  np.testing.assert_array_equal(
      metrics.group_errors([1, 0], [2, 0]), [0.5, np.nan]
  )  # empty group: NaN
  with pytest.raises(ValueError, match='groups must name at least one group'):
    metrics.rank_by_group_average({'a': {'x': 0.1}}, groups=[])  # before: mean of [] = nan
  with pytest.raises(ValueError, match=r"model 'b' has non-finite errors for groups \['x'\]"):
    metrics.rank_by_group_average({'a': {'x': 0.1}, 'b': {'x': float('nan')}})
  with pytest.raises(ValueError, match='ranked must hold at least one model'):
    metrics.format_group_table([])
