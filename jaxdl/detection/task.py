"""The YOLO detection Task for the core training loop (jaxdl.train).

Targets are encoded inside the jitted step from the batch's padded boxes, so
that box-moving augmentation (jaxdl.augment, run on the device before the
loss) is reflected in the targets.
"""

import functools

import jax
import jax.numpy as jnp

from jaxdl.detection import boxes as box_lib
from jaxdl.detection import yolo
from jaxdl.train.task import Task


def assigned_object_hits(outputs, targets, anchors, iou_threshold=0.5):
  """Whether each object is found by the slot it is assigned to.

  A hit needs, at the object's (cell, anchor) slot: p_c > 0.5, the right
  argmax class and IoU(predicted box, true box) >= iou_threshold. It is a
  cheap, exactly aggregable training signal (recall at the assigned slots,
  blind to false positives elsewhere); mAP is measured separately.

  Args:
    outputs: [B, S, S, A, 5 + n] network outputs.
    targets: [B, S, S, A, 5 + n] from `yolo.encode_targets`.
    anchors: [A, 2] (width, height) relative to the image.
    iou_threshold: box overlap needed.

  Returns:
    (hits [B, S, S, A] float, objects [B, S, S, A] float) -- both 0 on empty slots.
  """
  s = outputs.shape[-4]
  anchor_hw = jnp.asarray(anchors)[:, ::-1] * s
  p = jax.nn.sigmoid(outputs[..., 0])
  xy = jax.nn.sigmoid(outputs[..., 1:3])
  hw = anchor_hw * jnp.exp(jnp.clip(outputs[..., 3:5], -6.0, 6.0))
  # both boxes live in the same cell, so cell-unit coordinates compare directly
  to_corners = lambda xy, hw: box_lib.centers_to_corners(jnp.concatenate([xy, hw[..., ::-1]], -1))
  iou = box_lib.elementwise_iou(
      to_corners(xy, hw), to_corners(targets[..., 1:3], targets[..., 3:5])
  )
  same_class = jnp.argmax(outputs[..., 5:], -1) == jnp.argmax(targets[..., 5:], -1)
  obj = targets[..., 0]
  hits = (p > 0.5) & same_class & (iou >= iou_threshold)
  return hits.astype(jnp.float32) * obj, obj


def yolo_task(
    *,
    grid_size,
    anchors,
    num_classes,
    lambda_coord=5.0,
    lambda_noobj=0.5,
    confidence_loss='log',
    input_key='image',
    boxes_key='boxes',
    labels_key='labels',
    box_mask_key='box_mask',
):
  """A Task whose loss is the YOLO loss of `yolo.loss`, averaged over images.

  Metrics ((sum, count) pairs): 'loss' and its parts 'coord', 'obj', 'noobj',
  'class' per image; 'error' = 1 - assigned-slot hit rate per object (see
  `assigned_object_hits`), the number the core's table and curves show.

  Args:
    grid_size: S; must equal the model's output grid.
    anchors: [A, 2] (width, height) relative to the image.
    num_classes: n.
    lambda_coord, lambda_noobj, confidence_loss: see `yolo.loss`.
    input_key, boxes_key, labels_key, box_mask_key: batch features.
  """
  anchors = jnp.asarray(anchors, jnp.float32)
  encode = jax.vmap(
      functools.partial(
          yolo.encode_targets, grid_size=grid_size, anchors=anchors, num_classes=num_classes
      )
  )

  def loss_fn(outputs, batch):
    if outputs.shape[-4:] != (grid_size, grid_size, anchors.shape[0], 5 + num_classes):
      raise ValueError(
          f'model outputs {outputs.shape[1:]}, task expects '
          f'{(grid_size, grid_size, anchors.shape[0], 5 + num_classes)}'
      )
    targets = encode(batch[boxes_key], batch[labels_key], batch[box_mask_key])
    per_image, parts = yolo.loss(
        outputs,
        targets,
        anchors,
        lambda_coord=lambda_coord,
        lambda_noobj=lambda_noobj,
        confidence_loss=confidence_loss,
    )
    mask = batch.get('mask', jnp.ones(per_image.shape, jnp.float32))
    count = mask.sum()
    metrics = {k: ((v * mask).sum(), count) for k, v in parts.items()}
    metrics['loss'] = ((per_image * mask).sum(), count)
    hits, objects = assigned_object_hits(outputs, targets, anchors)
    m = mask[:, None, None, None]
    metrics['error'] = (((objects - hits) * m).sum(), (objects * m).sum())
    return metrics['loss'][0] / jnp.maximum(count, 1.0), metrics

  return Task(loss_fn=loss_fn, input_key=input_key)
