"""Mean average precision at IoU 0.5, PASCAL VOC all-point interpolation.

Host-side numpy: it runs once per evaluation over the whole split. Follows the
VOC2010+ devkit (VOCevaldet.m): per class, detections from all images sorted
by decreasing score; a detection is a true positive when its best-overlapping
ground truth of that class in the same image has IoU >= threshold and has not
been matched by a higher-scoring detection; otherwise it is a false positive.
AP is the area under the precision/recall curve after making precision
monotonically non-increasing ("all-point" interpolation). Coordinates are
continuous (no VOC "+1 pixel" in widths). There are no "difficult" objects.
"""
import numpy as np


def average_precision(recall, precision):
  """VOC all-point interpolated AP.

  Args:
    recall: [D] non-decreasing recall after each detection.
    precision: [D] precision after each detection.

  Returns:
    AP in [0, 1].
  """
  recall, precision = np.asarray(recall, np.float64), np.asarray(precision, np.float64)
  if recall.shape != precision.shape or recall.ndim != 1:
    raise ValueError(f'recall {recall.shape} and precision {precision.shape} must be equal 1-D shapes')
  mrec = np.concatenate([[0.0], recall, [1.0]])
  mpre = np.concatenate([[0.0], precision, [0.0]])
  mpre = np.maximum.accumulate(mpre[::-1])[::-1]  # precision envelope
  steps = np.nonzero(mrec[1:] != mrec[:-1])[0]
  return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))


def _iou_one_to_many(box, boxes):
  lo = np.maximum(box[:2], boxes[:, :2])
  hi = np.minimum(box[2:], boxes[:, 2:])
  inter = np.prod(np.maximum(hi - lo, 0.0), axis=1)
  area = lambda b: np.prod(np.maximum(b[..., 2:] - b[..., :2], 0.0), axis=-1)
  union = area(box) + area(boxes) - inter
  return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def class_precision_recall(detections, ground_truths, label, iou_threshold=0.5):
  """True/false positives of one class over a dataset.

  Args:
    detections: list over images of dicts with 'boxes' [D, 4], 'scores' [D], 'labels' [D].
    ground_truths: list over images of dicts with 'boxes' [G, 4], 'labels' [G].
    label: the class.
    iou_threshold: minimum IoU for a match.

  Returns:
    (recall [D_c], precision [D_c], n_ground_truth) for the D_c detections of
    the class in decreasing score order.
  """
  gts = [np.asarray(g['boxes'], np.float64)[np.asarray(g['labels']) == label] for g in ground_truths]
  n_gt = sum(len(g) for g in gts)
  used = [np.zeros(len(g), bool) for g in gts]
  image_ids, boxes, scores = [], [], []
  for i, d in enumerate(detections):
    keep = np.asarray(d['labels']) == label
    boxes.append(np.asarray(d['boxes'], np.float64).reshape(-1, 4)[keep])
    scores.append(np.asarray(d['scores'], np.float64)[keep])
    image_ids.append(np.full(int(keep.sum()), i))
  boxes, scores, image_ids = np.concatenate(boxes), np.concatenate(scores), np.concatenate(image_ids)
  order = np.argsort(-scores, kind='stable')
  tp = np.zeros(len(order))
  for rank, d in enumerate(order):
    gt = gts[image_ids[d]]
    if len(gt) == 0:
      continue
    iou = _iou_one_to_many(boxes[d], gt)
    j = int(iou.argmax())
    if iou[j] >= iou_threshold and not used[image_ids[d]][j]:
      used[image_ids[d]][j] = True
      tp[rank] = 1.0
  ctp = np.cumsum(tp)
  precision = ctp / np.arange(1, len(order) + 1)
  recall = ctp / max(n_gt, 1)
  return recall, precision, n_gt


def mean_average_precision(detections, ground_truths, num_classes, iou_threshold=0.5):
  """mAP@iou_threshold with VOC all-point AP.

  Args:
    detections: list over images of dicts 'boxes' [D, 4] corners, 'scores' [D], 'labels' [D].
    ground_truths: list over images (same length) of dicts 'boxes' [G, 4], 'labels' [G].
    num_classes: classes 0..num_classes-1.
    iou_threshold: 0.5 for mAP@0.5.

  Returns:
    (mAP, ap) where ap is [num_classes] float AP per class, NaN for a class
    with no ground truth (left out of the mean, as in the VOC devkit).
  """
  if len(detections) != len(ground_truths):
    raise ValueError(f'detections ({len(detections)}) and ground_truths ({len(ground_truths)}) '
                     'must list the same images')
  if not detections:
    raise ValueError('detections and ground_truths must list at least one image')
  if not 0.0 < iou_threshold <= 1.0:
    raise ValueError(f'iou_threshold must be in (0, 1], got {iou_threshold}')
  ap = np.full(num_classes, np.nan)
  for c in range(num_classes):
    recall, precision, n_gt = class_precision_recall(detections, ground_truths, c, iou_threshold)
    if n_gt:
      ap[c] = average_precision(recall, precision) if len(recall) else 0.0
  return float(np.nanmean(ap)) if np.any(~np.isnan(ap)) else float('nan'), ap


def from_padded(boxes, scores, labels, counts):
  """Per-image detection dicts from padded arrays ([N, M, 4], [N, M], [N, M], [N])."""
  boxes, scores, labels, counts = map(np.asarray, (boxes, scores, labels, counts))
  return [{'boxes': boxes[i, :counts[i]], 'scores': scores[i, :counts[i]], 'labels': labels[i, :counts[i]]}
          for i in range(len(counts))]


def ground_truth_from_padded(boxes, labels, mask):
  """Per-image ground-truth dicts from padded arrays ([N, K, 4], [N, K], [N, K] mask)."""
  boxes, labels, mask = np.asarray(boxes), np.asarray(labels), np.asarray(mask).astype(bool)
  return [{'boxes': boxes[i][mask[i]], 'labels': labels[i][mask[i]]} for i in range(len(mask))]
