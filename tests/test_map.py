"""VOC all-point mAP@0.5 against hand-computed examples."""
import numpy as np
import pytest

from jaxdl.detection import map as M


def test_all_point_interpolation_hand_case():
  # envelope: precision 1 up to recall 0.5, then 2/3 up to recall 1.
  assert M.average_precision([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3]) == pytest.approx(0.5 + 0.5 * 2 / 3)
  assert M.average_precision([0.25, 0.5], [1.0, 1.0]) == pytest.approx(0.5)  # never reaches recall 1


def _box(x, y, s=10.0):
  return [x, y, x + s, y + s]


def test_hand_computed_map():
  gts = [{'boxes': np.array([_box(0, 0), _box(50, 50)]), 'labels': np.array([0, 1])},
         {'boxes': np.array([_box(0, 0), _box(30, 30)]), 'labels': np.array([0, 0])}]
  dets = [{'boxes': np.array([_box(1, 0), _box(0, 1), _box(50, 50)]),
           'scores': np.array([0.9, 0.8, 0.5]), 'labels': np.array([0, 0, 1])},
          {'boxes': np.array([_box(30, 31), _box(5, 5)]), 'scores': np.array([0.7, 0.6]), 'labels': np.array([0, 0])}]
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
  half = {'boxes': np.array([[0.0, 0.0, 1.0, 1.0]]), 'scores': np.array([1.0]), 'labels': np.array([0])}
  assert M.mean_average_precision([half], gts, 1)[0] == pytest.approx(1.0)  # IoU exactly 0.5
  assert M.mean_average_precision([half], gts, 1, iou_threshold=0.51)[0] == 0.0
  wrong = dict(half, labels=np.array([1]), boxes=gts[0]['boxes'])
  assert M.mean_average_precision([wrong], gts, 2)[0] == 0.0


def test_padded_helpers_and_errors():
  dets = M.from_padded(np.zeros((2, 3, 4)), np.ones((2, 3)), np.zeros((2, 3), int), np.array([1, 3]))
  assert [len(d['scores']) for d in dets] == [1, 3]
  gts = M.ground_truth_from_padded(np.zeros((2, 3, 4)), np.zeros((2, 3), int), np.array([[1, 0, 0], [1, 1, 0]]))
  assert [len(g['labels']) for g in gts] == [1, 2]
  with pytest.raises(ValueError, match='same images'):
    M.mean_average_precision(dets, gts[:1], 1)
  with pytest.raises(ValueError, match='at least one image'):
    M.mean_average_precision([], [], 1)
  with pytest.raises(ValueError, match='iou_threshold'):
    M.mean_average_precision(dets, gts, 1, iou_threshold=0.0)
