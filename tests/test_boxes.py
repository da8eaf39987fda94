"""Box conversions and IoU (notes 4.11.4-4.11.5) against hand computations and numpy."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.detection import boxes as B


def _random_corners(rng, n):
  lo = rng.uniform(0, 0.8, (n, 2))
  return np.concatenate([lo, lo + rng.uniform(0.01, 0.4, (n, 2))], 1).astype(np.float32)


def _numpy_iou(a, b):
  out = np.zeros((len(a), len(b)))
  for i, p in enumerate(a):
    for j, q in enumerate(b):
      iw = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
      ih = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
      inter = iw * ih
      out[i, j] = inter / ((p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter)
  return out


def test_corner_center_hand_case_and_round_trip():
  np.testing.assert_allclose(
      B.corners_to_centers(np.array([0.1, 0.2, 0.5, 0.8])), [0.3, 0.5, 0.4, 0.6], atol=1e-7
  )
  np.testing.assert_allclose(
      B.centers_to_corners(np.array([0.3, 0.5, 0.4, 0.6])), [0.1, 0.2, 0.5, 0.8], atol=1e-7
  )
  boxes = _random_corners(np.random.default_rng(0), 20).reshape(4, 5, 4)
  np.testing.assert_allclose(B.centers_to_corners(B.corners_to_centers(boxes)), boxes, atol=1e-6)


def test_cell_encoding_hand_case():
  # S = 3: centre (0.5, 0.9) lies in row 2, col 1, at (0.5, 0.7) of that cell.
  cells, cb = B.centers_to_cell(np.array([0.5, 0.9, 0.2, 0.3]), 3, 'cell')
  np.testing.assert_array_equal(cells, [2, 1])
  np.testing.assert_allclose(cb, [0.5, 0.7, 0.6, 0.9], atol=1e-6)  # size in cell units
  _, cb_img = B.centers_to_cell(np.array([0.5, 0.9, 0.2, 0.3]), 3, 'image')
  np.testing.assert_allclose(cb_img, [0.5, 0.7, 0.2, 0.3], atol=1e-6)
  cells, cb = B.centers_to_cell(np.array([1.0, 0.0, 0.1, 0.1]), 4)  # far edge -> last cell
  np.testing.assert_array_equal(cells, [0, 3])
  np.testing.assert_allclose(cb[:2], [1.0, 0.0])


@pytest.mark.parametrize('rel', ['cell', 'image'])
def test_cell_round_trip(rel):
  centers = B.corners_to_centers(_random_corners(np.random.default_rng(1), 50))
  cells, cb = B.centers_to_cell(centers, 7, rel)
  assert np.all((np.asarray(cb[:, :2]) >= 0) & (np.asarray(cb[:, :2]) < 1))
  np.testing.assert_allclose(B.cell_to_centers(cells, cb, 7, rel), centers, atol=1e-6)


def test_iou_hand_cases():
  a = np.array([[0.0, 0.0, 2.0, 2.0]])
  cases = {
      (1.0, 1.0, 3.0, 3.0): 1 / 7,  # overlap 1, union 7
      (0.5, 0.5, 1.5, 1.5): 1 / 4,  # contained: area ratio
      (2.0, 0.0, 3.0, 2.0): 0.0,  # touching edge
      (5.0, 5.0, 6.0, 6.0): 0.0,  # disjoint
      (0.0, 0.0, 2.0, 2.0): 1.0,
  }
  got = B.pairwise_iou(a, np.array(list(cases)))
  np.testing.assert_allclose(got[0], list(cases.values()), atol=1e-6)


def test_iou_invariants_and_numpy_reference():
  rng = np.random.default_rng(2)
  a, b = _random_corners(rng, 13), _random_corners(rng, 9)
  pairwise = jax.jit(B.pairwise_iou)  # one compile per shape instead of one per eager op
  iou = np.asarray(pairwise(a, b))
  assert iou.shape == (13, 9)
  np.testing.assert_allclose(iou, _numpy_iou(a, b), atol=1e-5)
  np.testing.assert_allclose(iou, np.asarray(pairwise(b, a)).T, atol=1e-7)  # symmetry
  np.testing.assert_allclose(np.diag(pairwise(a, a)), 1.0, atol=1e-6)
  assert iou.min() >= 0 and iou.max() <= 1
  np.testing.assert_allclose(jax.jit(B.elementwise_iou)(a[:9], b), np.diag(iou[:9]), atol=1e-7)


def test_iou_jit_vmap_and_degenerate():
  rng = np.random.default_rng(3)
  a, b = _random_corners(rng, 12).reshape(3, 4, 4), _random_corners(rng, 15).reshape(3, 5, 4)
  batched = jax.jit(jax.vmap(B.pairwise_iou))(a, b)
  for i in range(3):
    np.testing.assert_allclose(batched[i], _numpy_iou(a[i], b[i]), atol=1e-5)
  np.testing.assert_allclose(
      jax.jit(B.pairwise_iou)(a, b), batched, atol=1e-7
  )  # leading-axis broadcast
  point = np.array([[0.5, 0.5, 0.5, 0.5]])
  assert float(B.pairwise_iou(point, point)[0, 0]) == 0.0  # no NaN for empty union


def test_shape_iou_matches_centred_boxes():
  np.testing.assert_allclose(
      B.shape_iou(np.array([[2.0, 1.0]]), np.array([[1.0, 2.0]])), [[1 / 3]], atol=1e-6
  )
  rng = np.random.default_rng(4)
  sa, sb = rng.uniform(0.1, 1, (6, 2)), rng.uniform(0.1, 1, (5, 2))
  centred = lambda s: np.concatenate([-s / 2, s / 2], 1)
  np.testing.assert_allclose(
      B.shape_iou(sa, sb), B.pairwise_iou(centred(sa), centred(sb)), atol=1e-6
  )


def test_bad_inputs():
  with pytest.raises(ValueError, match='boxes'):
    B.corners_to_centers(np.zeros((3, 5)))
  with pytest.raises(ValueError, match='wh_relative_to'):
    B.centers_to_cell(np.zeros((1, 4)), 3, 'grid')
  with pytest.raises(ValueError, match='boxes_b'):
    B.pairwise_iou(np.zeros((2, 4)), np.zeros((2, 3)))


def test_more_bad_inputs():
  box = jnp.array([0.0, 0.0, 1.0, 1.0])
  # Before: a single [4] box failed with an indexing error deep inside.
  with pytest.raises(ValueError, match=r'boxes_a must be \[\.\.\., N, 4\] boxes.*got shape \(4,\)'):
    B.pairwise_iou(box, box[None])
  with pytest.raises(
      ValueError, match=r'boxes_b must be \[\.\.\., N, 4\] boxes.*got shape \(2, 3\)'
  ):
    B.pairwise_iou(box[None], jnp.zeros((2, 3)))
  np.testing.assert_allclose(B.pairwise_iou(box[None], box[None]), [[1.0]])
  # Before: a float grid size silently gave non-integer cell arithmetic.
  with pytest.raises(ValueError, match='grid_size must be a positive int .*got 2.5'):
    B.centers_to_cell(jnp.array([[0.5, 0.5, 0.2, 0.2]]), 2.5)
  with pytest.raises(ValueError, match='grid_size must be a positive int .*got 0'):
    B.cell_to_centers(jnp.zeros((1, 2), jnp.int32), jnp.zeros((1, 4)), 0)
  # Before: [1, 2] cells broadcast against [3, 4] cell boxes.
  with pytest.raises(
      ValueError,
      match=r'cells must be \[\.\.\., 2\] \(row, col\) matching cell_boxes \(3, 4\) '
      r'= \(3, 2\), got shape \(1, 2\)',
  ):
    B.cell_to_centers(jnp.zeros((1, 2), jnp.int32), jnp.zeros((3, 4)), 4)
  with pytest.raises(
      ValueError, match=r'sizes_a must be \[\.\.\., N, 2\] \(width, height\), got shape \(2,\)'
  ):
    B.shape_iou(jnp.array([1.0, 2.0]), jnp.ones((3, 2)))
