"""Greedy non-max suppression, per class, jittable (notes 4.11.6).

The algorithm of the notes: drop every box whose score is under a threshold;
then repeatedly keep the highest-scoring remaining box and discard the
remaining boxes of the same class that overlap it with IoU >= a threshold.

It runs as a `lax.while_loop` of at most `max_outputs` rounds, each comparing
one kept box with all N boxes, so it costs O(max_outputs * N) and never builds
the N x N IoU matrix (25 M entries at N = 5,000). Shapes are static
(`max_outputs` is a Python int), so it jits once and vmaps over a batch.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.detection import boxes as box_lib


class NMSResult(tuple):
  """(boxes, scores, classes, indices, count), padded to max_outputs.

  boxes: [max_outputs, 4] kept corner boxes, zeros after `count`.
  scores: [max_outputs] their scores, zeros after `count`.
  classes: [max_outputs] int32 classes, -1 after `count`.
  indices: [max_outputs] int32 indices into the input, -1 after `count`.
  count: [] int32 number of kept boxes.
  """

  __slots__ = ()

  def __new__(cls, boxes, scores, classes, indices, count):
    return super().__new__(cls, (boxes, scores, classes, indices, count))

  boxes = property(lambda self: self[0])
  scores = property(lambda self: self[1])
  classes = property(lambda self: self[2])
  indices = property(lambda self: self[3])
  count = property(lambda self: self[4])


jax.tree_util.register_pytree_node(
    NMSResult, lambda r: (tuple(r), None), lambda _, c: NMSResult(*c)
)


def _is_concrete_number(x):
  """True for a Python/numpy scalar: a value that can be checked on the host."""
  return isinstance(x, (int, float, np.number)) and not isinstance(x, bool)


def _check_args(boxes, scores, classes, iou_threshold, score_threshold, max_outputs):
  """Static checks only: shapes, and thresholds given as Python numbers.

  Thresholds passed as (possibly traced) arrays are not inspected, so that a
  jitted caller never syncs with the device.
  """
  if (
      not isinstance(max_outputs, (int, np.integer))
      or isinstance(max_outputs, bool)
      or max_outputs < 1
  ):
    raise ValueError(
        f'max_outputs must be a positive Python int (it fixes the output shape), got {max_outputs!r}'
    )
  if _is_concrete_number(iou_threshold) and not 0.0 <= iou_threshold <= 1.0:
    raise ValueError(f'iou_threshold must be in [0, 1], got {iou_threshold}')
  if _is_concrete_number(score_threshold) and np.isnan(score_threshold):
    raise ValueError(f'score_threshold must be a number (not NaN), got {score_threshold}')
  if boxes.ndim != 2 or boxes.shape[-1] != 4:
    raise ValueError(f'boxes must be [N, 4] (vmap for batches), got shape {boxes.shape}')
  if scores.shape != boxes.shape[:1]:
    raise ValueError(f'scores must be [N] = {boxes.shape[:1]}, got shape {scores.shape}')
  if classes is not None and np.shape(classes) != boxes.shape[:1]:
    raise ValueError(f'classes must be [N] = {boxes.shape[:1]}, got shape {np.shape(classes)}')


def _empty_result(max_outputs):
  """The result for N = 0 boxes: nothing kept, every slot padding."""
  return NMSResult(
      boxes=jnp.zeros((max_outputs, 4), jnp.float32),
      scores=jnp.zeros((max_outputs,), jnp.float32),
      classes=jnp.full((max_outputs,), -1, jnp.int32),
      indices=jnp.full((max_outputs,), -1, jnp.int32),
      count=jnp.zeros((), jnp.int32),
  )


def nms(boxes, scores, classes=None, *, max_outputs, iou_threshold=0.5, score_threshold=0.0):
  """Per-class greedy NMS with a static output size.

  Ties in score are broken towards the lower input index.

  Args:
    boxes: [N, 4] corner boxes. N = 0 is valid: nothing is kept, the result
      is all padding (count 0, indices -1) with the usual dtypes and shapes.
    scores: [N] float scores; boxes with score < score_threshold are dropped,
      and so are boxes with a NaN score (NaN >= t is False).
    classes: [N] int class of each box, or None for class-agnostic NMS. Only
      boxes of the same class suppress each other.
    max_outputs: static Python int, the most boxes kept (output length).
    iou_threshold: a box is suppressed by a kept box of its class when their
      IoU >= iou_threshold; in [0, 1] (checked when it is a Python number).
    score_threshold: minimum score to be considered at all (not NaN).

  Returns:
    NMSResult (boxes, scores, classes, indices, count), kept boxes in
    decreasing score order, padded to max_outputs.

  Raises:
    ValueError: on shapes other than boxes [N, 4], scores/classes [N], on
      max_outputs < 1, iou_threshold outside [0, 1] or a NaN score_threshold.
  """
  boxes = jnp.asarray(boxes, jnp.float32)
  scores = jnp.asarray(scores, jnp.float32)
  _check_args(boxes, scores, classes, iou_threshold, score_threshold, max_outputs)
  if boxes.shape[0] == 0:
    # The loop body's argmax over zero boxes cannot even be traced.
    return _empty_result(max_outputs)
  classes = (
      jnp.zeros(scores.shape, jnp.int32) if classes is None else jnp.asarray(classes, jnp.int32)
  )
  return _nms(boxes, scores, classes, iou_threshold, score_threshold, max_outputs=max_outputs)


@functools.partial(jax.jit, static_argnames=('max_outputs',))
def _nms(boxes, scores, classes, iou_threshold, score_threshold, *, max_outputs):
  live = scores >= score_threshold
  kept = jnp.full((max_outputs,), -1, jnp.int32)

  def cond(carry):
    i, live, _ = carry
    return (i < max_outputs) & jnp.any(live)

  def body(carry):
    i, live, kept = carry
    best = jnp.argmax(jnp.where(live, scores, -jnp.inf))
    iou = box_lib.elementwise_iou(boxes[best], boxes)
    suppressed = (iou >= iou_threshold) & (classes == classes[best])
    live = live & ~suppressed
    live = live.at[best].set(False)  # a degenerate box has IoU 0 with itself
    return i + 1, live, kept.at[i].set(best.astype(jnp.int32))

  count, _, kept = jax.lax.while_loop(cond, body, (jnp.int32(0), live, kept))
  valid = kept >= 0
  safe = jnp.where(valid, kept, 0)
  return NMSResult(
      boxes=jnp.where(valid[:, None], boxes[safe], 0.0),
      scores=jnp.where(valid, scores[safe], 0.0),
      classes=jnp.where(valid, classes[safe], -1),
      indices=kept,
      count=count,
  )


def batched_nms(
    boxes, scores, classes=None, *, max_outputs, iou_threshold=0.5, score_threshold=0.0
):
  """`nms` vmapped over a leading batch axis: boxes [B, N, 4], scores [B, N].

  classes, when given, is [B, N]. Returns an NMSResult whose fields have a
  leading [B] axis. Raises ValueError on other shapes (an unbatched [N, 4]
  would otherwise be vmapped over its N boxes).
  """
  boxes, scores = jnp.asarray(boxes), jnp.asarray(scores)
  if boxes.ndim != 3 or boxes.shape[-1] != 4:
    raise ValueError(f'boxes must be [B, N, 4] (use nms for one image), got shape {boxes.shape}')
  if scores.shape != boxes.shape[:2]:
    raise ValueError(f'scores must be [B, N] = {boxes.shape[:2]}, got shape {scores.shape}')
  if classes is not None and np.shape(classes) != boxes.shape[:2]:
    raise ValueError(f'classes must be [B, N] = {boxes.shape[:2]}, got shape {np.shape(classes)}')
  fn = functools.partial(
      nms, max_outputs=max_outputs, iou_threshold=iou_threshold, score_threshold=score_threshold
  )
  if classes is None:
    return jax.vmap(lambda b, s: fn(b, s))(boxes, scores)
  return jax.vmap(fn)(boxes, scores, classes)


def nms_reference(
    boxes, scores, classes=None, *, max_outputs, iou_threshold=0.5, score_threshold=0.0
):
  """Plain Python/numpy greedy NMS, the textbook loop, for tests and benchmarks.

  Same arguments, checks and NaN/empty conventions as `nms`.

  Returns:
    list of kept input indices, in decreasing score order ([] for N = 0).
  """
  boxes = np.asarray(boxes, np.float64)
  scores = np.asarray(scores, np.float64)
  _check_args(boxes, scores, classes, iou_threshold, score_threshold, max_outputs)
  classes = np.zeros(len(scores), int) if classes is None else np.asarray(classes)
  order = [i for i in np.argsort(-scores, kind='stable') if scores[i] >= score_threshold]
  kept = []
  while order and len(kept) < max_outputs:
    best = order.pop(0)
    kept.append(int(best))
    rest = []
    for j in order:
      x0, y0 = max(boxes[best, 0], boxes[j, 0]), max(boxes[best, 1], boxes[j, 1])
      x1, y1 = min(boxes[best, 2], boxes[j, 2]), min(boxes[best, 3], boxes[j, 3])
      inter = max(x1 - x0, 0) * max(y1 - y0, 0)
      area = lambda b: max(b[2] - b[0], 0) * max(b[3] - b[1], 0)
      union = area(boxes[best]) + area(boxes[j]) - inter
      iou = inter / union if union > 0 else 0.0
      if not (iou >= iou_threshold and classes[j] == classes[best]):
        rest.append(j)
    order = rest
  return kept
