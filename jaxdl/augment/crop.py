"""Random crop of a batch, optionally after zero padding (notes 2.3.3.1).

With ``padding > 0`` and the crop size equal to the image size this is the
usual "pad and crop" jitter: an integer shift of up to ``padding`` pixels.
"""

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.augment import boxes as boxes_lib


def random_crop(
    key,
    images,
    boxes=None,
    box_mask=None,
    *,
    crop_height=None,
    crop_width=None,
    padding=0,
    cval=0.0,
    min_box_size=0.0,
):
  """Cuts a random window of each (padded) image.

  Args:
    key: PRNG key.
    images: [B, H, W, C].
    boxes: optional [B, K, 4] normalised (x_min, y_min, x_max, y_max).
    box_mask: optional [B, K] bool (required with boxes).
    crop_height: output height in pixels (default H), <= H + 2 * padding.
    crop_width: output width in pixels (default W), <= W + 2 * padding.
    padding: pixels of constant ``cval`` added on every side before cropping.
    cval: fill value of the padding.
    min_box_size: boxes whose clipped normalised width or height is not above
      this are dropped from the mask.

  Returns:
    images [B, crop_height, crop_width, C], or (images, boxes, box_mask) with
    boxes renormalised to the crop window.
  """
  boxes_lib.check_boxes(images, boxes, box_mask)
  boxes_lib.check_min_box_size(min_box_size)
  b, h, w, c = images.shape
  if not isinstance(padding, (int, np.integer)) or isinstance(padding, bool) or padding < 0:
    raise ValueError(f"padding must be a non-negative int, got {padding}.")
  crop_height = h if crop_height is None else crop_height
  crop_width = w if crop_width is None else crop_width
  ph, pw = h + 2 * padding, w + 2 * padding
  if not all(
      isinstance(v, (int, np.integer)) and not isinstance(v, bool)
      for v in (crop_height, crop_width)
  ) or not (0 < crop_height <= ph and 0 < crop_width <= pw):
    raise ValueError(
        f"crop_height/crop_width must be in (0, H+2*padding]=(0, {ph}] and "
        f"(0, W+2*padding]=(0, {pw}] and be ints, got {crop_height!r}, "
        f"{crop_width!r}."
    )
  padded = jnp.pad(
      images, ((0, 0), (padding, padding), (padding, padding), (0, 0)), constant_values=cval
  )
  key_y, key_x = jax.random.split(key)
  top = jax.random.randint(key_y, (b,), 0, ph - crop_height + 1)
  left = jax.random.randint(key_x, (b,), 0, pw - crop_width + 1)

  def cut(image, y, x):
    return jax.lax.dynamic_slice(image, (y, x, 0), (crop_height, crop_width, c))

  out = jax.vmap(cut)(padded, top, left)
  if boxes is None:
    return out
  # Window origin in original-image pixels (may be negative with padding).
  x0 = (left - padding).astype(jnp.float32)[:, None]
  y0 = (top - padding).astype(jnp.float32)[:, None]
  moved = jnp.stack(
      [
          (boxes[..., 0] * w - x0) / crop_width,
          (boxes[..., 1] * h - y0) / crop_height,
          (boxes[..., 2] * w - x0) / crop_width,
          (boxes[..., 3] * h - y0) / crop_height,
      ],
      axis=-1,
  )
  moved, mask = boxes_lib.clip_and_filter(moved, box_mask, min_box_size)
  return out, moved, mask
