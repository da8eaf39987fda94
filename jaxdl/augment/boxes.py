"""Moving padded, normalised boxes with a geometric image transformation.

Boxes are ``[B, K, 4]`` ``(x_min, y_min, x_max, y_max)`` in ``[0, 1]`` with a
``[B, K]`` bool mask (see ``jaxdl.augment``). An affine map sends the four
corners somewhere; the new box is their axis-aligned hull, clipped to the
frame.
"""

import jax.numpy as jnp


def check_images(images):
  """Raises ValueError unless images is a [B, H, W, C] batch.

  A single [H, W, C] image would otherwise be read as H examples of shape
  [W, C] and come back silently wrong (a flip of the wrong axis).
  """
  if getattr(images, "ndim", None) != 4:
    raise ValueError(
        "images must be a batch [B, H, W, C] (add a batch axis "
        "with images[None] for one image), got shape "
        f"{getattr(images, 'shape', type(images).__name__)}."
    )


def check_min_box_size(min_box_size):
  """Raises ValueError unless 0 <= min_box_size < 1 (normalised units)."""
  if not 0.0 <= min_box_size < 1.0:
    raise ValueError(
        "min_box_size must be in [0, 1) (normalised width/height), " f"got {min_box_size}."
    )


def check_boxes(images, boxes, box_mask):
  """Raises ValueError unless images is [B, H, W, C] and boxes/mask fit it."""
  check_images(images)
  if (boxes is None) != (box_mask is None):
    raise ValueError(
        "boxes and box_mask must be given together "
        f"(got boxes={boxes is not None}, "
        f"box_mask={box_mask is not None})."
    )
  if boxes is None:
    return
  if boxes.ndim != 3 or boxes.shape[-1] != 4:
    raise ValueError(f"boxes must be [B, K, 4], got shape {boxes.shape}.")
  if box_mask.shape != boxes.shape[:2]:
    raise ValueError(f"box_mask must be [B, K] = {boxes.shape[:2]}, " f"got {box_mask.shape}.")
  if boxes.shape[0] != images.shape[0]:
    raise ValueError(f"boxes batch {boxes.shape[0]} != images batch " f"{images.shape[0]}.")


def clip_and_filter(boxes, box_mask, min_box_size):
  """Clips boxes to [0, 1] and drops those thinner than ``min_box_size``.

  Args:
    boxes: [B, K, 4] normalised (x_min, y_min, x_max, y_max).
    box_mask: [B, K] bool.
    min_box_size: minimum clipped width and height (normalised) to keep a box.

  Returns:
    (boxes [B, K, 4] clipped, box_mask [B, K] bool).
  """
  boxes = jnp.clip(boxes, 0.0, 1.0)
  width = boxes[..., 2] - boxes[..., 0]
  height = boxes[..., 3] - boxes[..., 1]
  keep = (width > min_box_size) & (height > min_box_size)
  return boxes, box_mask & keep


def affine_boxes(boxes, forward, offset):
  """Pushes boxes through p_out = forward @ p_in + offset (normalised x, y).

  Args:
    boxes: [B, K, 4] normalised (x_min, y_min, x_max, y_max).
    forward: [B, 2, 2] linear part acting on (x, y) column vectors.
    offset: [B, 2] translation in normalised (x, y).

  Returns:
    [B, K, 4] hull of the four transformed corners (not yet clipped).
  """
  x0, y0, x1, y1 = (boxes[..., i] for i in range(4))
  # corners: [B, K, 4 corners, 2 coords]
  corners = jnp.stack(
      [
          jnp.stack([x0, y0], -1),
          jnp.stack([x1, y0], -1),
          jnp.stack([x0, y1], -1),
          jnp.stack([x1, y1], -1),
      ],
      axis=-2,
  )
  moved = jnp.einsum("bij,bkcj->bkci", forward, corners)
  moved = moved + offset[:, None, None, :]
  lo = moved.min(axis=-2)
  hi = moved.max(axis=-2)
  return jnp.concatenate([lo, hi], axis=-1)
