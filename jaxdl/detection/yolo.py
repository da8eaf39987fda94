"""YOLO target encoding, decoding, loss and detection (notes 4.11.4-4.11.6).

The image is cut into an S x S grid with A anchor boxes per cell. Each cell
and anchor has a vector in the layout of notes 4.11.1,

  [p_c, b_x, b_y, b_h, b_w, c_1, ..., c_n],

so a target has shape [S, S, A, 5 + n] (the notes' "first 8 values for anchor
box 1, the next 8 for anchor box 2" with n = 3). An object is given to the
cell holding its centre and to the anchor whose shape has the highest IoU with
the object's shape. b_x, b_y in [0, 1) are relative to the cell, b_h, b_w are
in cell units (they may exceed 1).

The network outputs, in the same layout, [t_o, t_x, t_y, t_h, t_w, class
logits], decoded as p_c = sigmoid(t_o), b_x = sigmoid(t_x), b_y = sigmoid(t_y),
b_h = anchor_h * exp(t_h), b_w = anchor_w * exp(t_w).

Anchors are [A, 2] (width, height) relative to the image, the units in which
`anchors.kmeans_anchors` returns them.
"""

import functools

import jax
import jax.numpy as jnp
import optax

from jaxdl.detection import boxes as box_lib
from jaxdl.detection import nms as nms_lib

CONFIDENCE_LOSSES = ('log', 'squared')
_MAX_LOG_SCALE = 6.0  # exp(6) = 403 x the anchor: bounds exp() so a bad step cannot overflow


def _check_anchors(anchors):
  anchors = jnp.asarray(anchors, jnp.float32)
  if anchors.ndim != 2 or anchors.shape[1] != 2:
    raise ValueError(f'anchors must be [A, 2] (width, height), got shape {anchors.shape}')
  return anchors


def encode_targets(boxes, labels, mask, *, grid_size, anchors, num_classes):
  """Encodes one image's objects into a YOLO target volume.

  When two objects fall on the same cell and anchor, the later one wins (the
  grid cannot hold both; more anchors or a finer grid is the remedy).

  Args:
    boxes: [K, 4] corner boxes normalised to the image (padded).
    labels: [K] int classes in [0, num_classes).
    mask: [K] bool/{0,1}, which of the K rows are real objects.
    grid_size: S.
    anchors: [A, 2] anchor (width, height) relative to the image.
    num_classes: n.

  Returns:
    [S, S, A, 5 + n] float32 target.
  """
  anchors = _check_anchors(anchors)
  boxes = jnp.asarray(boxes, jnp.float32)
  if boxes.ndim != 2 or boxes.shape[1] != 4:
    raise ValueError(f'boxes must be [K, 4] for one image (vmap for a batch), got {boxes.shape}')
  centers = box_lib.corners_to_centers(boxes)
  cells, cell_boxes = box_lib.centers_to_cell(centers, grid_size, 'cell')
  best = jnp.argmax(box_lib.shape_iou(centers[:, 2:], anchors), axis=-1)
  vec = jnp.concatenate(
      [
          jnp.ones((boxes.shape[0], 1)),
          cell_boxes[:, 0:1],
          cell_boxes[:, 1:2],
          cell_boxes[:, 3:4],
          cell_boxes[:, 2:3],
          jax.nn.one_hot(labels, num_classes),
      ],
      axis=-1,
  )
  target = jnp.zeros((grid_size, grid_size, anchors.shape[0], 5 + num_classes), jnp.float32)
  mask = jnp.asarray(mask, bool)

  def put(k, t):
    updated = t.at[cells[k, 0], cells[k, 1], best[k]].set(vec[k])
    return jnp.where(mask[k], updated, t)

  return jax.lax.fori_loop(0, boxes.shape[0], put, target)


def _split(outputs, anchors, grid_size):
  """Predicted p_c logit, (b_x, b_y), (b_h, b_w) in cell units, class logits."""
  anchor_hw = anchors[:, ::-1] * grid_size  # [A, 2] (h, w) in cell units
  log_scale = jnp.clip(outputs[..., 3:5], -_MAX_LOG_SCALE, _MAX_LOG_SCALE)
  return (
      outputs[..., 0],
      jax.nn.sigmoid(outputs[..., 1:3]),
      anchor_hw * jnp.exp(log_scale),
      outputs[..., 5:],
  )


def loss(outputs, targets, anchors, *, lambda_coord=5.0, lambda_noobj=0.5, confidence_loss='log'):
  """YOLO loss per image (Redmon et al. 2016, eq. 3, with anchors).

    lambda_coord * sum_obj [(b_x - ^b_x)^2 + (b_y - ^b_y)^2
                            + (sqrt b_h - sqrt ^b_h)^2 + (sqrt b_w - sqrt ^b_w)^2]
    + sum_obj conf(p, 1) + lambda_noobj * sum_noobj conf(p, 0)
    + sum_obj CE(classes)

  The sums run over cells and anchors; "obj" are the (cell, anchor) slots
  given an object. conf is log-loss (notes 4.11.1) or, as in the paper,
  squared error of sigmoid(t_o). Class errors are softmax log-loss.

  Args:
    outputs: [..., S, S, A, 5 + n] network outputs.
    targets: [..., S, S, A, 5 + n] from `encode_targets`.
    anchors: [A, 2] (width, height) relative to the image.
    lambda_coord: weight of the box terms.
    lambda_noobj: weight of the confidence term of empty slots.
    confidence_loss: 'log' or 'squared'.

  Returns:
    (loss [...], parts) where parts maps 'coord', 'obj', 'noobj', 'class' to
    [...] unweighted-by-lambda sums, so loss = lambda_coord * coord + obj +
    lambda_noobj * noobj + class.
  """
  if confidence_loss not in CONFIDENCE_LOSSES:
    raise ValueError(f'confidence_loss must be one of {CONFIDENCE_LOSSES}, got {confidence_loss!r}')
  if outputs.shape != targets.shape:
    raise ValueError(
        f'outputs {outputs.shape} and targets {targets.shape} must have the same shape'
    )
  anchors = _check_anchors(anchors)
  if (
      outputs.ndim < 4
      or outputs.shape[-2] != anchors.shape[0]
      or outputs.shape[-4] != outputs.shape[-3]
  ):
    raise ValueError(
        f'outputs must be [..., S, S, A={anchors.shape[0]}, 5 + n], got {outputs.shape}'
    )
  grid_size = outputs.shape[-4]
  logit, xy, hw, cls_logits = _split(outputs, anchors, grid_size)
  obj = targets[..., 0]
  noobj = 1.0 - obj
  coord = jnp.sum((xy - targets[..., 1:3]) ** 2, -1) + jnp.sum(
      (jnp.sqrt(hw) - jnp.sqrt(targets[..., 3:5])) ** 2, -1
  )
  if confidence_loss == 'log':
    conf_pos = optax.sigmoid_binary_cross_entropy(logit, jnp.ones_like(logit))
    conf_neg = optax.sigmoid_binary_cross_entropy(logit, jnp.zeros_like(logit))
  else:
    p = jax.nn.sigmoid(logit)
    conf_pos, conf_neg = (1.0 - p) ** 2, p**2
  cls = optax.softmax_cross_entropy(cls_logits, targets[..., 5:])
  total_axes = (-3, -2, -1)
  parts = {
      'coord': jnp.sum(obj * coord, total_axes),
      'obj': jnp.sum(obj * conf_pos, total_axes),
      'noobj': jnp.sum(noobj * conf_neg, total_axes),
      'class': jnp.sum(obj * cls, total_axes),
  }
  total = (
      lambda_coord * parts['coord'] + parts['obj'] + lambda_noobj * parts['noobj'] + parts['class']
  )
  return total, parts


def decode(outputs, anchors):
  """Turns one image's outputs into scored boxes.

  Args:
    outputs: [S, S, A, 5 + n].
    anchors: [A, 2] (width, height) relative to the image.

  Returns:
    boxes: [S*S*A, 4] corner boxes normalised to the image.
    scores: [S*S*A] p_c * max_c P(c), the class-specific confidence of the paper.
    labels: [S*S*A] int32 argmax class.
  """
  anchors = _check_anchors(anchors)
  s = outputs.shape[0]
  logit, xy, hw, cls_logits = _split(outputs, anchors, s)
  rows, cols = jnp.meshgrid(jnp.arange(s), jnp.arange(s), indexing='ij')
  cells = jnp.broadcast_to(jnp.stack([rows, cols], -1)[:, :, None, :], xy.shape)
  cell_boxes = jnp.concatenate([xy, hw[..., 1:2], hw[..., 0:1]], axis=-1)  # (b_x, b_y, b_w, b_h)
  centers = box_lib.cell_to_centers(cells, cell_boxes, s, 'cell')
  probs = jax.nn.softmax(cls_logits, axis=-1)
  scores = jax.nn.sigmoid(logit) * jnp.max(probs, axis=-1)
  return (
      box_lib.centers_to_corners(centers).reshape(-1, 4),
      scores.reshape(-1),
      jnp.argmax(probs, axis=-1).astype(jnp.int32).reshape(-1),
  )


@functools.partial(jax.jit, static_argnames=('max_outputs',))
def detect(outputs, anchors, *, max_outputs, score_threshold=0.3, iou_threshold=0.5):
  """Decode + score threshold + per-class NMS for a batch: outputs [B, S, S, A, 5 + n].

  Returns:
    nms.NMSResult with a leading batch axis (boxes [B, max_outputs, 4], ...).
  """

  def one(o):
    boxes, scores, labels = decode(o, anchors)
    return nms_lib.nms(
        boxes,
        scores,
        labels,
        max_outputs=max_outputs,
        iou_threshold=iou_threshold,
        score_threshold=score_threshold,
    )

  return jax.vmap(one)(outputs)
