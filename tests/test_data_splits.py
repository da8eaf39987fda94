"""Splits (notes 2.1, 3.4, 3.12): deterministic, disjoint, stratified, checked."""

import numpy as np
import pytest

from jaxdl.data.splits import make_splits


def _pool(n=1000, num_classes=4, seed=0):
  rng = np.random.default_rng(seed)
  labels = rng.integers(0, num_classes, n).astype(np.int32)
  return {'id': np.arange(n), 'x': rng.normal(size=(n, 3)).astype(np.float32), 'label': labels}


def test_deterministic_given_seed_and_different_across_seeds():
  pool = _pool()
  a = make_splits(pool, seed=3)
  b = make_splits(pool, seed=3)
  c = make_splits(pool, seed=4)
  for name in ('train', 'dev', 'test'):
    np.testing.assert_array_equal(a[name]['id'], b[name]['id'])
  assert not np.array_equal(np.sort(a['dev']['id']), np.sort(c['dev']['id']))


def test_disjoint_and_covering_with_train_dev():
  pool = _pool()
  s = make_splits(pool, (0.7, 0.15, 0.15), seed=1, train_dev_fraction=0.2)
  ids = np.concatenate([s[k]['id'] for k in ('train', 'train_dev', 'dev', 'test')])
  assert len(ids) == len(np.unique(ids)) == 1000  # disjoint and complete
  assert abs(len(s['dev']['id']) - 150) <= 4 and abs(len(s['test']['id']) - 150) <= 4
  assert abs(len(s['train_dev']['id']) - 140) <= 4  # 20% of the 700 train
  # Rows stay aligned across features.
  np.testing.assert_array_equal(s['dev']['x'], pool['x'][s['dev']['id']])


def test_stratified_class_proportions():
  pool = _pool(n=2000, num_classes=5)
  s = make_splits(pool, (0.6, 0.2, 0.2), seed=0)
  overall = np.bincount(pool['label'], minlength=5) / 2000
  for name in ('train', 'dev', 'test'):
    share = np.bincount(s[name]['label'], minlength=5) / len(s[name]['label'])
    # Per-class rounding moves at most one example per class.
    np.testing.assert_allclose(share, overall, atol=5 / len(s[name]['label']))


def test_shuffled_not_sorted():
  s = make_splits(_pool(), seed=0)
  assert not np.all(np.diff(s['train']['id']) > 0)


@pytest.mark.parametrize(
    'fractions, match',
    [
        ((0.5, 0.5), 'train, dev, test'),
        ((0.6, 0.3, 0.3), 'sum to 1'),
        ((1.2, -0.1, -0.1), '> 0'),
        ((0.8, 0.2, 0.0), '> 0'),
    ],
)
def test_invalid_fractions_raise(fractions, match):
  with pytest.raises(ValueError, match=match):
    make_splits(_pool(), fractions)


def test_empty_split_raises():
  with pytest.raises(ValueError, match='empty'):
    make_splits(_pool(n=3, num_classes=1), (0.9, 0.05, 0.05))


def test_unequal_feature_lengths_raise():
  with pytest.raises(ValueError, match='equal length'):
    make_splits({'x': np.zeros(10), 'label': np.zeros(9, np.int32)})
