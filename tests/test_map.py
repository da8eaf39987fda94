"""VOC all-point mAP@0.5 against hand-computed examples."""

import numpy as np
import pytest

from jaxdl.detection import map as M


def test_all_point_interpolation_hand_case():
  # envelope: precision 1 up to recall 0.5, then 2/3 up to recall 1.
  assert M.average_precision([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3]) == pytest.approx(0.5 + 0.5 * 2 / 3)
  assert M.average_precision([0.25, 0.5], [1.0, 1.0]) == pytest.approx(
      0.5
  )  # never reaches recall 1


def _box(x, y, s=10.0):
  return [x, y, x + s, y + s]


def test_hand_computed_map():
  gts = [
      {'boxes': np.array([_box(0, 0), _box(50, 50)]), 'labels': np.array([0, 1])},
      {'boxes': np.array([_box(0, 0), _box(30, 30)]), 'labels': np.array([0, 0])},
  ]
  dets = [
      {
          'boxes': np.array([_box(1, 0), _box(0, 1), _box(50, 50)]),
          'scores': np.array([0.9, 0.8, 0.5]),
          'labels': np.array([0, 0, 1]),
      },
      {
          'boxes': np.array([_box(30, 31), _box(5, 5)]),
          'scores': np.array([0.7, 0.6]),
          'labels': np.array([0, 0]),
      },
  ]
  # class 0, 3 ground truths, detections by score:
  #   0.9 img0 IoU 90/110 -> TP; 0.8 img0 same object already taken -> FP;
  #   0.7 img1 IoU 90/110 -> TP; 0.6 img1 IoU 25/175 -> FP.
  # recall 1/3, 1/3, 2/3, 2/3; precision 1, 1/2, 2/3, 1/2 -> AP = 1/3 + 1/3 * 2/3.
  recall, precision, n_gt = M.class_precision_recall(dets, gts, 0)
  assert n_gt == 3
  np.testing.assert_allclose(recall, [1 / 3, 1 / 3, 2 / 3, 2 / 3])
  np.testing.assert_allclose(precision, [1, 1 / 2, 2 / 3, 1 / 2])
  mean, ap = M.mean_average_precision(dets, gts, num_classes=3)
  np.testing.assert_allclose(ap[:2], [1 / 3 + 2 / 9, 1.0])
  assert np.isnan(ap[2])  # no ground truth: left out of the mean
  assert mean == pytest.approx((5 / 9 + 1) / 2)


def test_threshold_is_inclusive_and_class_must_match():
  gts = [{'boxes': np.array([[0.0, 0.0, 2.0, 1.0]]), 'labels': np.array([0])}]
  half = {
      'boxes': np.array([[0.0, 0.0, 1.0, 1.0]]),
      'scores': np.array([1.0]),
      'labels': np.array([0]),
  }
  assert M.mean_average_precision([half], gts, 1)[0] == pytest.approx(1.0)  # IoU exactly 0.5
  assert M.mean_average_precision([half], gts, 1, iou_threshold=0.51)[0] == 0.0
  wrong = dict(half, labels=np.array([1]), boxes=gts[0]['boxes'])
  assert M.mean_average_precision([wrong], gts, 2)[0] == 0.0


def test_padded_helpers_and_errors():
  dets = M.from_padded(
      np.zeros((2, 3, 4)), np.ones((2, 3)), np.zeros((2, 3), int), np.array([1, 3])
  )
  assert [len(d['scores']) for d in dets] == [1, 3]
  gts = M.ground_truth_from_padded(
      np.zeros((2, 3, 4)), np.zeros((2, 3), int), np.array([[1, 0, 0], [1, 1, 0]])
  )
  assert [len(g['labels']) for g in gts] == [1, 2]
  with pytest.raises(ValueError, match='same images'):
    M.mean_average_precision(dets, gts[:1], 1)
  with pytest.raises(ValueError, match='at least one image'):
    M.mean_average_precision([], [], 1)
  with pytest.raises(ValueError, match='iou_threshold'):
    M.mean_average_precision(dets, gts, 1, iou_threshold=0.0)


def _interpolated_ap(tp, n_gt):
  """Independent all-point AP: each true positive adds 1/n_gt of recall, weighted by the best
  precision at that rank or any later one (the VOC devkit's envelope)."""
  tp = np.asarray(tp, float)
  precision = np.cumsum(tp) / np.arange(1, len(tp) + 1)
  return sum(precision[k:].max() for k in np.flatnonzero(tp)) / n_gt


@pytest.mark.parametrize('seed', range(6))
def test_ap_matches_devkit_envelope_and_bounds_sklearn(seed):
  from sklearn.metrics import average_precision_score

  rng = np.random.default_rng(seed)
  n = int(rng.integers(3, 40))
  tp = (rng.random(n) < rng.uniform(0.2, 0.8)).astype(float)
  tp[rng.integers(n)] = 1.0
  n_gt = int(tp.sum())  # every ground truth found, so sklearn sees the same positives
  recall, precision = np.cumsum(tp) / n_gt, np.cumsum(tp) / np.arange(1, n + 1)
  ap = M.average_precision(recall, precision)
  assert 0.0 <= ap <= 1.0
  assert ap == pytest.approx(_interpolated_ap(tp, n_gt), abs=1e-12)
  # scikit-learn's AP is the same sum without the envelope: a lower bound, equal when
  # precision never rises at a true positive.
  scores = -np.arange(n, dtype=float)  # ranked as given, no ties
  assert average_precision_score(tp, scores) <= ap + 1e-12
  ordered = np.sort(tp)[::-1]  # all hits first: precision 1 at every true positive
  r, p = np.cumsum(ordered) / n_gt, np.cumsum(ordered) / np.arange(1, n + 1)
  assert M.average_precision(r, p) == pytest.approx(average_precision_score(ordered, scores)) == 1.0
  # A non-increasing precision at the hits: envelope = precision, so the two definitions agree.
  hits = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0], float)
  r, p = np.cumsum(hits) / hits.sum(), np.cumsum(hits) / np.arange(1, len(hits) + 1)
  assert M.average_precision(r, p) == pytest.approx(
      average_precision_score(hits, -np.arange(len(hits)))
  )


@pytest.mark.parametrize('seed', range(4))
def test_map_on_random_problems_stays_in_unit_interval(seed):
  rng = np.random.default_rng(seed)
  box = lambda k: np.concatenate([rng.uniform(0, 50, (k, 2)), rng.uniform(0, 50, (k, 2)) + 60], 1)
  gts = [{'boxes': box(k), 'labels': rng.integers(0, 3, k)} for k in rng.integers(0, 4, 5)]
  dets = []
  for g in gts:  # jittered copies of the ground truth plus duplicates and noise
    k = int(rng.integers(0, 6))
    b = np.concatenate([g['boxes'] + rng.normal(0, 3, g['boxes'].shape), g['boxes'], box(k)])
    dets.append(
        {
            'boxes': b,
            'scores': rng.random(len(b)),
            'labels': np.concatenate([g['labels'], g['labels'], rng.integers(0, 3, k)]),
        }
    )
  mean, ap = M.mean_average_precision(dets, gts, 3)
  finite = ap[~np.isnan(ap)]
  assert np.all((finite >= 0) & (finite <= 1)) and (np.isnan(mean) or 0 <= mean <= 1)
  for c in range(3):
    recall, precision, n_gt = M.class_precision_recall(dets, gts, c)
    if n_gt:
      tp = np.diff(np.concatenate([[0.0], recall * n_gt])).round()
      assert ap[c] == pytest.approx(_interpolated_ap(tp, n_gt), abs=1e-12)


def test_average_precision_rejects_inputs_outside_its_definition():
  # Before: recall above 1 (counts, or a wrong denominator) came back as AP = 1.7.
  with pytest.raises(ValueError, match=r'recall must be fractions in \[0, 1\], got 1.7 at index 1'):
    M.average_precision([0.7, 1.7], [1.0, 1.0])
  with pytest.raises(
      ValueError, match=r'precision must be fractions in \[0, 1\], got 1.7 at index 1'
  ):
    M.average_precision([0.5, 1.0], [1.0, 1.7])
  with pytest.raises(ValueError, match=r'recall must be fractions in \[0, 1\], got nan at index 0'):
    M.average_precision([np.nan, 1.0], [1.0, 1.0])
  with pytest.raises(
      ValueError, match=r'recall must be non-decreasing.*got 1.0 then 0.5 at index 0'
  ):
    M.average_precision([1.0, 0.5], [1.0, 0.5])
  with pytest.raises(ValueError, match='equal 1-D shapes'):
    M.average_precision([0.5, 1.0], [1.0])
  assert M.average_precision([], []) == 0.0  # no detections: valid, AP 0


def test_detection_dicts_are_checked():
  gts = [{'boxes': np.array([_box(0, 0)]), 'labels': np.array([0])}]
  det = {
      'boxes': np.array([_box(0, 0), _box(5, 5)]),
      'scores': np.array([0.9, 0.8]),
      'labels': np.array([0, 0]),
  }
  with pytest.raises(
      ValueError, match=r"detections\[0\]\['scores'\] must be \[n\] = \(2,\), got shape \(1,\)"
  ):
    M.mean_average_precision([dict(det, scores=np.array([0.9]))], gts, 1)
  with pytest.raises(ValueError, match=r"detections\[0\]\['scores'\] must be finite"):
    M.mean_average_precision([dict(det, scores=np.array([np.nan, 0.8]))], gts, 1)
  with pytest.raises(
      ValueError, match=r"ground_truths\[0\]\['labels'\] must be \[n\] = \(1,\), got shape \(2,\)"
  ):
    M.mean_average_precision([det], [dict(gts[0], labels=np.array([0, 0]))], 1)
  with pytest.raises(ValueError, match=r"detections\[0\]\['boxes'\] must be \[n, 4\]"):
    M.mean_average_precision([dict(det, boxes=np.zeros((2, 3)))], gts, 1)
  with pytest.raises(ValueError, match='num_classes must be a positive int, got 0'):
    M.mean_average_precision([det], gts, 0)
  with pytest.raises(ValueError, match=r'iou_threshold must be in \(0, 1\], got 1.5'):
    M.mean_average_precision([det], gts, 1, iou_threshold=1.5)
  with pytest.raises(ValueError, match=r'iou_threshold must be in \(0, 1\], got nan'):
    M.class_precision_recall([det], gts, 0, iou_threshold=float('nan'))
  with pytest.raises(ValueError, match='same images'):
    M.class_precision_recall([det, det], gts, 0)
  # An image with no boxes may be given as empty lists.
  empty = {'boxes': [], 'scores': [], 'labels': []}
  mean, _ = M.mean_average_precision([det, empty], [gts[0], {'boxes': [], 'labels': []}], 1)
  assert mean == pytest.approx(1.0)
  with pytest.raises(ValueError, match=r'counts must be in \[0, M=3\], got values in \[0, 4\]'):
    M.from_padded(np.zeros((2, 3, 4)), np.ones((2, 3)), np.zeros((2, 3), int), np.array([0, 4]))
  with pytest.raises(ValueError, match=r'scores and labels must be \[N, M\]'):
    M.from_padded(np.zeros((2, 3, 4)), np.ones((2, 2)), np.zeros((2, 3), int), np.array([0, 1]))
  with pytest.raises(ValueError, match=r'labels and mask must be \[N, K\]'):
    M.ground_truth_from_padded(np.zeros((2, 3, 4)), np.zeros((2, 3), int), np.ones((2, 2)))
