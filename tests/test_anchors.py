"""k-means anchors with the 1 - IoU distance (notes 4.11.6, YOLOv2 dimension clusters)."""

import itertools

import numpy as np
import pytest

from jaxdl.detection import anchors as A
from jaxdl.detection import boxes as B


def _clustered_sizes(rng):
  means = np.array([[0.1, 0.1], [0.1, 0.4], [0.5, 0.3]])
  return np.concatenate([m * rng.uniform(0.9, 1.1, (60, 2)) for m in means]), means


def test_recovers_separated_shape_clusters():
  sizes, means = _clustered_sizes(np.random.default_rng(0))
  anchors, mean_iou = A.kmeans_anchors(sizes, 3, seed=0)
  np.testing.assert_allclose(anchors, means[np.argsort(means.prod(1))], rtol=0.05)
  assert mean_iou > 0.85
  assert mean_iou == pytest.approx(A.mean_best_iou(sizes, anchors))


def test_result_is_a_lloyd_fixed_point_and_beats_random_anchors():
  rng = np.random.default_rng(1)
  sizes = rng.uniform(0.05, 0.5, (300, 2))
  anchors, mean_iou = A.kmeans_anchors(sizes, 4, seed=3)
  assign = np.asarray(B.shape_iou(sizes, anchors)).argmax(1)
  for j in range(4):  # every anchor is the mean shape of the boxes it serves best
    np.testing.assert_allclose(anchors[j], sizes[assign == j].mean(0), rtol=1e-5)
  random_ious = [
      A.mean_best_iou(sizes, sizes[rng.choice(300, 4, replace=False)]) for _ in range(20)
  ]
  assert mean_iou > max(random_ious)


def _grid_clusters(e=0.05):
  """Three shape clusters, each the 3 x 3 grid of (1 +- e, 1, 1 + e) scalings of its mean.

  The grid is symmetric, so each cluster's mean shape is exactly its centre, and
  the clusters are far apart (IoU between centres <= 0.4), so the k = 3 optimum is
  the three centres. Its mean IoU is scale-free and computed by hand: a box
  (a w, b h) against (w, h) has IoU min(a, 1) min(b, 1) / (a b + 1 - min(a, 1) min(b, 1)).
  """
  means = np.array([[0.1, 0.1], [0.1, 0.4], [0.5, 0.3]])
  mult = np.array(list(itertools.product([1 - e, 1.0, 1 + e], repeat=2)))
  sizes = np.repeat(np.concatenate([m * mult for m in means]), 4, axis=0)
  inter = np.minimum(mult, 1).prod(1)
  optimum = float(np.mean(inter / (mult.prod(1) + 1 - inter)))
  return sizes, means, optimum


@pytest.mark.parametrize('num_inits', [1, 5])
def test_every_seed_finds_the_known_optimum_of_separated_clusters(num_inits):
  # Before k-means++ used d^2 weighting and restarts, seeds 4, 8 and 16 stalled
  # here at mean IoU 0.65, 0.65, 0.61 (two seeds in one cluster).
  sizes, means, optimum = _grid_clusters()
  assert optimum == pytest.approx(0.93646, abs=1e-5) and optimum >= 0.9  # by hand: 8.42813 / 9
  for seed in range(20):
    anchors, mean_iou = A.kmeans_anchors(sizes, 3, seed=seed, num_inits=num_inits)
    np.testing.assert_allclose(anchors, means[np.argsort(means.prod(1))], rtol=1e-6)
    assert mean_iou == pytest.approx(optimum, rel=1e-6), seed


@pytest.mark.parametrize('init', ['kmeans++', 'random'])
def test_best_of_n_inits_is_the_best_single_init(init):
  sizes = np.random.default_rng(1).uniform(0.05, 0.5, (300, 2))
  singles = [A.kmeans_anchors(sizes, 5, seed=i, num_inits=1, init=init)[1] for i in range(8)]
  assert len(set(np.round(singles, 6))) > 1  # the inits do land in different local optima
  anchors, best = A.kmeans_anchors(sizes, 5, seed=0, num_inits=8, init=init)
  assert all(best >= s for s in singles)
  assert best == pytest.approx(max(singles), rel=1e-12)
  assert best == pytest.approx(A.mean_best_iou(sizes, anchors))


def test_host_iou_matches_jnp_shape_iou():
  rng = np.random.default_rng(2)
  a, b = rng.uniform(0.01, 1, (7, 2)), rng.uniform(0.01, 1, (3, 2))
  np.testing.assert_allclose(A._iou(a, b), B.shape_iou(a, b), rtol=1e-5)


def test_bad_arguments():
  with pytest.raises(ValueError, match='k must'):
    A.kmeans_anchors(np.ones((3, 2)), 4)
  with pytest.raises(ValueError, match='> 0'):
    A.kmeans_anchors(np.array([[0.1, 0.0], [0.2, 0.2]]), 1)
  with pytest.raises(ValueError, match='sizes'):
    A.kmeans_anchors(np.ones((3, 4)), 1)


def test_more_bad_arguments():
  sizes = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]])
  with pytest.raises(
      ValueError, match=r'sizes must all be finite and > 0.*1 bad value\(s\), e.g. inf'
  ):
    A.kmeans_anchors(np.array([[1.0, 2.0], [np.inf, 1.0]]), 1)  # inf passed "> 0" before
  with pytest.raises(ValueError, match=r'k must be an int in \[1, N=3\], got 1.5'):
    A.kmeans_anchors(sizes, 1.5)
  with pytest.raises(ValueError, match='max_iters must be a positive int, got 0'):
    A.kmeans_anchors(sizes, 2, max_iters=0)
  with pytest.raises(
      ValueError, match=r'sizes must be \[N, 2\] \(width, height\) with N >= 1, got shape \(0, 2\)'
  ):
    A.kmeans_anchors(np.zeros((0, 2)), 1)
  with pytest.raises(ValueError, match="init must be 'kmeans\\+\\+' or 'random', got 'kpp'"):
    A.kmeans_anchors(sizes, 2, init='kpp')
  with pytest.raises(ValueError, match='num_inits must be a positive int, got 0'):
    A.kmeans_anchors(sizes, 2, num_inits=0)
  # mean_best_iou had no checks: empty anchors crashed in argmax, NaN gave nan.
  with pytest.raises(ValueError, match=r'anchors must be \[N, 2\] .*got shape \(0, 2\)'):
    A.mean_best_iou(sizes, np.zeros((0, 2)))
  with pytest.raises(ValueError, match=r'sizes must all be finite and >= 0'):
    A.mean_best_iou(np.array([[np.nan, 1.0]]), sizes)
  with pytest.raises(ValueError, match=r'anchors must all be finite and > 0'):
    A.mean_best_iou(sizes, np.array([[0.0, 1.0]]))
  assert A.mean_best_iou(np.array([[0.0, 1.0], [1.0, 2.0]]), np.array([[1.0, 2.0]])) == 0.5
