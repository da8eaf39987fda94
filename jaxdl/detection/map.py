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

  AP = sum over recall steps of (r_i - r_{i-1}) * max_{j >= i} p_j, a sum of
  recall increments times precisions. It lies in [0, 1] only when the inputs
  do: a recall above 1 (e.g. true-positive counts, or a count divided by the
  wrong number of ground truths) gave AP = 1.7 for recall [0.7, 1.7] and
  precision [1, 1]. Such inputs are rejected rather than scored.

  Args:
    recall: [D] recall after each detection, in [0, 1] and non-decreasing
      (the cumulative true positives / number of ground truths).
    precision: [D] precision after each detection, in [0, 1].
    D = 0 (no detections) is valid and gives AP 0.

  Returns:
    AP in [0, 1].

  Raises:
    ValueError: on unequal or non-1-D shapes, NaN, values outside [0, 1] or a
      decreasing recall.
  """
  recall, precision = np.asarray(recall, np.float64), np.asarray(precision, np.float64)
  if recall.shape != precision.shape or recall.ndim != 1:
    raise ValueError(
        f'recall {recall.shape} and precision {precision.shape} must be equal 1-D shapes'
    )
  for name, values in (('recall', recall), ('precision', precision)):
    bad = ~((values >= 0.0) & (values <= 1.0))  # NaN is bad too
    if bad.any():
      i = int(np.flatnonzero(bad)[0])
      raise ValueError(
          f'{name} must be fractions in [0, 1], got {values[i]} at index {i} '
          f'(values in [{np.nanmin(values)}, {np.nanmax(values)}])'
      )
  if np.any(np.diff(recall) < 0):
    i = int(np.flatnonzero(np.diff(recall) < 0)[0])
    raise ValueError(
        f'recall must be non-decreasing (detections in decreasing score order), '
        f'got {recall[i]} then {recall[i + 1]} at index {i}'
    )
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


def _check_iou_threshold(iou_threshold):
  if not 0.0 < iou_threshold <= 1.0:  # NaN fails too
    raise ValueError(f'iou_threshold must be in (0, 1], got {iou_threshold}')


def _image_arrays(entry, i, kind, with_scores):
  """(boxes [n, 4], labels [n], scores [n] or None) of one image, checked."""
  boxes = np.asarray(entry['boxes'], np.float64)
  labels = np.asarray(entry['labels'])
  if boxes.size == 0 and boxes.ndim < 2:
    boxes = boxes.reshape(0, 4)  # [] is a fine way to say "no boxes"
  if boxes.ndim != 2 or boxes.shape[1] != 4:
    raise ValueError(f"{kind}[{i}]['boxes'] must be [n, 4] corner boxes, got shape {boxes.shape}")
  if labels.shape != boxes.shape[:1]:
    raise ValueError(
        f"{kind}[{i}]['labels'] must be [n] = {boxes.shape[:1]}, got shape {labels.shape}"
    )
  if not np.all(np.isfinite(boxes)):
    raise ValueError(f"{kind}[{i}]['boxes'] must be finite, got NaN/inf")
  if not with_scores:
    return boxes, labels, None
  scores = np.asarray(entry['scores'], np.float64)
  if scores.shape != boxes.shape[:1]:
    raise ValueError(
        f"{kind}[{i}]['scores'] must be [n] = {boxes.shape[:1]}, got shape {scores.shape}"
    )
  if not np.all(np.isfinite(scores)):
    raise ValueError(
        f"{kind}[{i}]['scores'] must be finite, got NaN/inf (it would be ranked arbitrarily)"
    )
  return boxes, labels, scores


def class_precision_recall(detections, ground_truths, label, iou_threshold=0.5):
  """True/false positives of one class over a dataset.

  Args:
    detections: list over images of dicts with 'boxes' [D, 4], 'scores' [D]
      (finite), 'labels' [D].
    ground_truths: list over images (same length) of dicts with 'boxes' [G, 4],
      'labels' [G].
    label: the class.
    iou_threshold: minimum IoU for a match, in (0, 1].

  Returns:
    (recall [D_c], precision [D_c], n_ground_truth) for the D_c detections of
    the class in decreasing score order; recall and precision lie in [0, 1]
    (recall is 0 throughout when the class has no ground truth).
  """
  if len(detections) != len(ground_truths):
    raise ValueError(
        f'detections ({len(detections)}) and ground_truths ({len(ground_truths)}) '
        'must list the same images'
    )
  _check_iou_threshold(iou_threshold)
  detections = [_image_arrays(d, i, 'detections', True) for i, d in enumerate(detections)]
  gts = [
      g_boxes[g_labels == label]
      for g_boxes, g_labels, _ in (
          _image_arrays(g, i, 'ground_truths', False) for i, g in enumerate(ground_truths)
      )
  ]
  n_gt = sum(len(g) for g in gts)
  used = [np.zeros(len(g), bool) for g in gts]
  image_ids, boxes, scores = [], [], []
  for i, (d_boxes, d_labels, d_scores) in enumerate(detections):
    keep = d_labels == label
    boxes.append(d_boxes[keep])
    scores.append(d_scores[keep])
    image_ids.append(np.full(int(keep.sum()), i))
  if not detections:
    boxes, scores, image_ids = [np.zeros((0, 4))], [np.zeros(0)], [np.zeros(0, int)]
  boxes, scores, image_ids = (
      np.concatenate(boxes),
      np.concatenate(scores),
      np.concatenate(image_ids),
  )
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
    raise ValueError(
        f'detections ({len(detections)}) and ground_truths ({len(ground_truths)}) '
        'must list the same images'
    )
  if not detections:
    raise ValueError('detections and ground_truths must list at least one image')
  _check_iou_threshold(iou_threshold)
  if (
      not isinstance(num_classes, (int, np.integer))
      or isinstance(num_classes, bool)
      or num_classes < 1
  ):
    raise ValueError(f'num_classes must be a positive int, got {num_classes!r}')
  ap = np.full(num_classes, np.nan)
  for c in range(num_classes):
    recall, precision, n_gt = class_precision_recall(detections, ground_truths, c, iou_threshold)
    if n_gt:
      ap[c] = average_precision(recall, precision) if len(recall) else 0.0
  return float(np.nanmean(ap)) if np.any(~np.isnan(ap)) else float('nan'), ap


def from_padded(boxes, scores, labels, counts):
  """Per-image detection dicts from padded arrays ([N, M, 4], [N, M], [N, M], [N]).

  counts[i] in [0, M] is the number of real detections of image i (e.g. NMS's count).
  """
  boxes, scores, labels, counts = map(np.asarray, (boxes, scores, labels, counts))
  if boxes.ndim != 3 or boxes.shape[-1] != 4:
    raise ValueError(f'boxes must be [N, M, 4], got shape {boxes.shape}')
  n, m = boxes.shape[:2]
  if scores.shape != (n, m) or labels.shape != (n, m) or counts.shape != (n,):
    raise ValueError(
        f'scores and labels must be [N, M] = {(n, m)} and counts [N] = {(n,)}, got '
        f'{scores.shape}, {labels.shape} and {counts.shape}'
    )
  if counts.size and not (counts.min() >= 0 and counts.max() <= m):
    raise ValueError(
        f'counts must be in [0, M={m}], got values in [{counts.min()}, {counts.max()}]'
    )
  return [
      {
          'boxes': boxes[i, : counts[i]],
          'scores': scores[i, : counts[i]],
          'labels': labels[i, : counts[i]],
      }
      for i in range(len(counts))
  ]


def ground_truth_from_padded(boxes, labels, mask):
  """Per-image ground-truth dicts from padded arrays ([N, K, 4], [N, K], [N, K] mask)."""
  boxes, labels, mask = np.asarray(boxes), np.asarray(labels), np.asarray(mask).astype(bool)
  if boxes.ndim != 3 or boxes.shape[-1] != 4:
    raise ValueError(f'boxes must be [N, K, 4], got shape {boxes.shape}')
  if labels.shape != boxes.shape[:2] or mask.shape != boxes.shape[:2]:
    raise ValueError(
        f'labels and mask must be [N, K] = {boxes.shape[:2]}, got {labels.shape} and {mask.shape}'
    )
  return [{'boxes': boxes[i][mask[i]], 'labels': labels[i][mask[i]]} for i in range(len(mask))]
