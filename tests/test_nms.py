"""Non-max suppression (notes 4.11.6) against hand cases and the plain Python loop."""
import chex
import jax
import numpy as np
import pytest

from jaxdl.detection import nms as N


def test_hand_case_and_padding():
  boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 9]], np.float32)
  scores = np.array([0.9, 0.8, 0.7, 0.1], np.float32)
  # box 1 overlaps box 0 with IoU 81/119 = 0.68 -> suppressed; box 3 is under the score threshold.
  r = N.nms(boxes, scores, max_outputs=4, iou_threshold=0.5, score_threshold=0.2)
  assert int(r.count) == 2
  np.testing.assert_array_equal(r.indices, [0, 2, -1, -1])
  np.testing.assert_allclose(r.boxes, [boxes[0], boxes[2], [0] * 4, [0] * 4])
  np.testing.assert_allclose(r.scores, [0.9, 0.7, 0, 0])
  np.testing.assert_array_equal(r.classes, [0, 0, -1, -1])
  # Above the pair's IoU, nothing is suppressed.
  r = N.nms(boxes, scores, max_outputs=4, iou_threshold=0.7, score_threshold=0.2)
  np.testing.assert_array_equal(r.indices, [0, 1, 2, -1])


def test_per_class():
  boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11]], np.float32)
  scores = np.array([0.9, 0.8], np.float32)
  r = N.nms(boxes, scores, np.array([0, 1]), max_outputs=3)
  np.testing.assert_array_equal(r.indices, [0, 1, -1])
  np.testing.assert_array_equal(r.classes, [0, 1, -1])
  r = N.nms(boxes, scores, np.array([1, 1]), max_outputs=3)
  np.testing.assert_array_equal(r.indices, [0, -1, -1])


def _random_problem(rng, n, num_classes):
  centers = rng.uniform(0, 100, (n, 2))
  sizes = rng.uniform(5, 30, (n, 2))
  boxes = np.concatenate([centers - sizes / 2, centers + sizes / 2], 1).astype(np.float32)
  return boxes, rng.uniform(0, 1, n).astype(np.float32), rng.integers(0, num_classes, n)


@pytest.mark.parametrize('seed,n,num_classes,iou_t,score_t,max_out', [
    (0, 60, 1, 0.5, 0.0, 60), (1, 80, 3, 0.3, 0.2, 80), (2, 100, 2, 0.6, 0.5, 10), (3, 40, 4, 0.0, 0.1, 40)])
def test_matches_python_reference(seed, n, num_classes, iou_t, score_t, max_out):
  boxes, scores, classes = _random_problem(np.random.default_rng(seed), n, num_classes)
  r = N.nms(boxes, scores, classes, max_outputs=max_out, iou_threshold=iou_t, score_threshold=score_t)
  want = N.nms_reference(boxes, scores, classes, max_outputs=max_out, iou_threshold=iou_t, score_threshold=score_t)
  assert int(r.count) == len(want)
  np.testing.assert_array_equal(np.asarray(r.indices)[:len(want)], want)
  np.testing.assert_allclose(np.asarray(r.scores)[:len(want)], scores[want])
  assert np.all(np.asarray(r.indices)[len(want):] == -1)


def test_vmap_matches_loop_and_single_trace():
  rng = np.random.default_rng(5)
  probs = [_random_problem(rng, 50, 2) for _ in range(4)]
  boxes, scores, classes = (np.stack(x) for x in zip(*probs))
  batched = N.batched_nms(boxes, scores, classes, max_outputs=20, iou_threshold=0.4)
  for i in range(4):
    one = N.nms(boxes[i], scores[i], classes[i], max_outputs=20, iou_threshold=0.4)
    for got, want in zip(batched, one):
      np.testing.assert_array_equal(got[i], want)

  @jax.jit
  @chex.assert_max_traces(n=1)
  def run(b, s):
    return N.nms(b, s, max_outputs=5).count

  run(boxes[0], scores[0])
  run(boxes[1], scores[1])  # same shapes: no retrace


def test_bad_arguments():
  boxes, scores, _ = _random_problem(np.random.default_rng(6), 5, 1)
  with pytest.raises(ValueError, match='max_outputs'):
    N.nms(boxes, scores, max_outputs=0)
  with pytest.raises(ValueError, match='iou_threshold'):
    N.nms(boxes, scores, max_outputs=3, iou_threshold=1.5)
  with pytest.raises(ValueError, match='scores'):
    N.nms(boxes, scores[:3], max_outputs=3)
  with pytest.raises(ValueError, match='boxes'):
    N.nms(boxes[None], scores, max_outputs=3)
