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


@pytest.mark.parametrize(
    'seed,n,num_classes,iou_t,score_t,max_out',
    [
        (0, 60, 1, 0.5, 0.0, 60),
        (1, 80, 3, 0.3, 0.2, 80),
        (2, 100, 2, 0.6, 0.5, 10),
        (3, 40, 4, 0.0, 0.1, 40),
    ],
)
def test_matches_python_reference(seed, n, num_classes, iou_t, score_t, max_out):
  boxes, scores, classes = _random_problem(np.random.default_rng(seed), n, num_classes)
  r = N.nms(
      boxes, scores, classes, max_outputs=max_out, iou_threshold=iou_t, score_threshold=score_t
  )
  want = N.nms_reference(
      boxes, scores, classes, max_outputs=max_out, iou_threshold=iou_t, score_threshold=score_t
  )
  assert int(r.count) == len(want)
  np.testing.assert_array_equal(np.asarray(r.indices)[: len(want)], want)
  np.testing.assert_allclose(np.asarray(r.scores)[: len(want)], scores[want])
  assert np.all(np.asarray(r.indices)[len(want) :] == -1)


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


def test_zero_boxes_give_an_empty_padded_result():
  boxes, scores = np.zeros((0, 4), np.float32), np.zeros((0,), np.float32)
  for classes in (None, np.zeros((0,), np.int32)):
    r = N.nms(boxes, scores, classes, max_outputs=3)
    assert int(r.count) == 0
    assert r.count.dtype == np.int32 and r.count.shape == ()
    for got, shape, dtype, fill in zip(
        r[:4],
        [(3, 4), (3,), (3,), (3,)],
        [np.float32, np.float32, np.int32, np.int32],
        [0, 0, -1, -1],
    ):
      assert got.shape == shape and got.dtype == dtype
      np.testing.assert_array_equal(got, np.full(shape, fill, dtype))
  assert N.nms_reference(boxes, scores, max_outputs=3) == []
  # The same under jit and over a batch of empty images.
  assert int(jax.jit(lambda b, s: N.nms(b, s, max_outputs=2).count)(boxes, scores)) == 0
  batched = N.batched_nms(np.zeros((2, 0, 4)), np.zeros((2, 0)), max_outputs=3)
  assert batched.indices.shape == (2, 3) and batched.boxes.shape == (2, 3, 4)
  np.testing.assert_array_equal(batched.count, [0, 0])
  np.testing.assert_array_equal(batched.indices, -1)


def test_nan_scores_are_dropped_like_low_scores():
  boxes = np.array([[0, 0, 10, 10], [20, 20, 30, 30]], np.float32)
  scores = np.array([np.nan, 0.5], np.float32)
  r = N.nms(boxes, scores, max_outputs=2)
  np.testing.assert_array_equal(r.indices, [1, -1])
  assert N.nms_reference(boxes, scores, max_outputs=2) == [1]


def test_more_bad_arguments():
  boxes, scores, classes = _random_problem(np.random.default_rng(7), 5, 2)
  with pytest.raises(ValueError, match=r'iou_threshold must be in \[0, 1\], got -0.1'):
    N.nms(boxes, scores, max_outputs=3, iou_threshold=-0.1)
  with pytest.raises(ValueError, match=r'iou_threshold must be in \[0, 1\], got nan'):
    N.nms(boxes, scores, max_outputs=3, iou_threshold=float('nan'))
  with pytest.raises(ValueError, match=r'iou_threshold must be in \[0, 1\], got 1.5'):
    N.nms(boxes, scores, max_outputs=3, iou_threshold=np.float32(1.5))
  with pytest.raises(ValueError, match='score_threshold must be a number'):
    N.nms(boxes, scores, max_outputs=3, score_threshold=float('nan'))
  with pytest.raises(ValueError, match=r'classes must be \[N\] = \(5,\), got shape \(4,\)'):
    N.nms(boxes, scores, classes[:4], max_outputs=3)
  with pytest.raises(ValueError, match='max_outputs must be a positive Python int'):
    N.nms(boxes, scores, max_outputs=True)
  with pytest.raises(ValueError, match=r'boxes must be \[N, 4\].*got shape \(5, 3\)'):
    N.nms(boxes[:, :3], scores, max_outputs=3)
  # The reference loop checks the same things instead of answering silently.
  with pytest.raises(ValueError, match='iou_threshold'):
    N.nms_reference(boxes, scores, max_outputs=3, iou_threshold=1.5)
  with pytest.raises(ValueError, match='scores'):
    N.nms_reference(boxes, scores[:2], max_outputs=3)
  # batched_nms wants a batch axis: an unbatched [N, 4] would be vmapped over boxes.
  with pytest.raises(ValueError, match=r'boxes must be \[B, N, 4\].*got shape \(5, 4\)'):
    N.batched_nms(boxes, scores, max_outputs=3)
  with pytest.raises(ValueError, match=r'scores must be \[B, N\] = \(1, 5\), got shape \(1, 4\)'):
    N.batched_nms(boxes[None], scores[None, :4], max_outputs=3)
  with pytest.raises(ValueError, match=r'classes must be \[B, N\]'):
    N.batched_nms(boxes[None], scores[None], classes, max_outputs=3)


def test_traced_thresholds_are_not_checked_on_the_host():
  boxes, scores, _ = _random_problem(np.random.default_rng(8), 6, 1)
  run = jax.jit(lambda t: N.nms(boxes, scores, max_outputs=6, iou_threshold=t).count)
  assert int(run(0.5)) == len(N.nms_reference(boxes, scores, max_outputs=6, iou_threshold=0.5))
