"""N-way one-shot accuracy (notes 4.12) against hand cases and a brute-force loop."""

import numpy as np
import pytest

from jaxdl.embedding import oneshot


def test_episodes_are_valid():
  labels = np.repeat(np.arange(6), 4)
  s, q = oneshot.sample_episodes(labels, n_way=5, n_episodes=50, seed=0)
  assert s.shape == q.shape == (50, 5)
  assert np.all(s != q)
  np.testing.assert_array_equal(labels[s], labels[q])
  assert all(len(set(labels[s[e]])) == 5 for e in range(50))
  s2, q2 = oneshot.sample_episodes(labels, n_way=5, n_episodes=50, seed=0)
  np.testing.assert_array_equal(s, s2)


def test_perfect_embedding_scores_one():
  labels = np.repeat(np.arange(5), 3)
  emb = np.eye(5)[labels]
  s, q = oneshot.sample_episodes(labels, 5, 20, seed=1)
  assert oneshot.one_shot_accuracy(emb, s, q) == (1.0, 0.0)


def test_matches_brute_force_loop():
  rng = np.random.default_rng(0)
  labels = np.repeat(np.arange(8), 6)
  emb = rng.normal(size=(48, 4)) + 0.7 * rng.normal(size=(8, 4))[labels]
  s, q = oneshot.sample_episodes(labels, 4, 30, seed=2)
  correct = []
  for e in range(30):
    for k in range(4):
      dists = [np.sum((emb[q[e, k]] - emb[s[e, m]]) ** 2) for m in range(4)]
      correct.append(int(np.argmin(dists)) == k)
  acc, se = oneshot.one_shot_accuracy(emb, s, q)
  np.testing.assert_allclose(acc, np.mean(correct))
  np.testing.assert_allclose(se, np.sqrt(acc * (1 - acc) / 120))


def test_random_embedding_is_at_chance():
  rng = np.random.default_rng(0)
  labels = np.repeat(np.arange(10), 20)
  emb = rng.normal(size=(200, 16))
  s, q = oneshot.sample_episodes(labels, 5, 400, seed=3)
  acc, _ = oneshot.one_shot_accuracy(emb, s, q)
  # 2000 queries at p = 1/5: 4 standard errors is 0.036.
  assert abs(acc - 0.2) < 0.036


def test_bad_arguments_raise():
  labels = np.repeat(np.arange(3), 2)
  with pytest.raises(ValueError, match='n_way'):
    oneshot.sample_episodes(labels, 4, 1)
  with pytest.raises(ValueError, match='n_way'):
    oneshot.sample_episodes(labels, 1, 1)
  with pytest.raises(ValueError, match='n_episodes'):
    oneshot.sample_episodes(labels, 2, 0)
  with pytest.raises(ValueError, match='support and query'):
    oneshot.one_shot_accuracy(np.zeros((6, 2)), np.zeros((2, 3), int), np.zeros((2, 2), int))
