"""Random zoom, shift and affine distortion of a batch (notes 2.3.3.1).

All three are one operation: a per-example affine map, written in normalised
(x, y) coordinates (the frame is [0, 1]^2, centre (0.5, 0.5)) as the *forward*
map ``p_out = F @ p_in + f``. Images are resampled with dm-pix's
``affine_transform``, which pulls each output pixel from the input through the
inverse map; boxes are pushed through the forward map.
"""

import dm_pix as pix
import jax
import jax.numpy as jnp

from jaxdl.augment import boxes as boxes_lib

_CENTRE = jnp.array([0.5, 0.5])


def apply_affine(
    images,
    forward,
    offset,
    boxes=None,
    box_mask=None,
    *,
    mode="constant",
    cval=0.0,
    min_box_size=0.0,
):
  """Applies per-example forward maps p_out = forward @ p_in + offset.

  Args:
    images: [B, H, W, C].
    forward: [B, 2, 2] linear part on normalised (x, y) column vectors.
    offset: [B, 2] translation in normalised (x, y).
    boxes: optional [B, K, 4] normalised (x_min, y_min, x_max, y_max).
    box_mask: optional [B, K] bool (required with boxes).
    mode: how pixels outside the input are filled: 'constant' or 'nearest'.
    cval: fill value for mode='constant'.
    min_box_size: boxes whose clipped width or height is not above this are
      dropped from the mask.

  Returns:
    images [B, H, W, C] (bilinear), or (images, boxes, box_mask).
  """
  if mode not in ("constant", "nearest"):
    raise ValueError(f"mode must be 'constant' or 'nearest', got {mode!r}.")
  boxes_lib.check_boxes(images, boxes, box_mask)
  boxes_lib.check_min_box_size(min_box_size)
  b, h, w, _ = images.shape
  if forward.shape != (b, 2, 2) or offset.shape != (b, 2):
    raise ValueError(
        f"forward must be [B, 2, 2] and offset [B, 2] with B={b}, "
        f"got shapes {forward.shape} and {offset.shape}."
    )
  pull = jnp.linalg.inv(forward)  # p_in = pull @ p_out + t
  pull_offset = -jnp.einsum("bij,bj->bi", pull, offset)
  # Normalised (x, y) -> pixel index (row, col): idx = p * size - 0.5, since
  # pixel i covers [i, i + 1) and is sampled at its centre.
  swap = jnp.array([[0.0, 1.0], [1.0, 0.0]])
  size = jnp.array([h, w], jnp.float32)  # (row, col) extents
  pull_rc = swap @ pull @ swap
  t_rc = pull_offset[:, ::-1]
  matrix_rc = size[:, None] * pull_rc / size[None, :]
  offset_rc = size * (jnp.einsum("bij,j->bi", pull_rc, 0.5 / size) + t_rc) - 0.5

  def warp(image, m, o):
    matrix = jnp.eye(3).at[:2, :2].set(m)
    return pix.affine_transform(
        image, matrix, offset=jnp.concatenate([o, jnp.zeros(1)]), order=1, mode=mode, cval=cval
    )

  out = jax.vmap(warp)(images, matrix_rc, offset_rc)
  if boxes is None:
    return out
  moved = boxes_lib.affine_boxes(boxes, forward, offset)
  moved, mask = boxes_lib.clip_and_filter(moved, box_mask, min_box_size)
  return out, moved, mask


def _about_centre(linear, translate):
  """Forward map that applies ``linear`` about the centre, then translates."""
  offset = _CENTRE + translate - jnp.einsum("bij,j->bi", linear, _CENTRE)
  return linear, offset


def _check_range(name, value, low=None):
  lo, hi = value
  # Written as "not (valid)" so that NaN bounds fail too.
  if not (lo <= hi and (low is None or lo > low)):
    raise ValueError(
        f"{name} must be (min, max) with min <= max"
        + (f" and min > {low}" if low is not None else "")
        + f", got {value}."
    )


def random_zoom(key, images, boxes=None, box_mask=None, *, scale_range=(0.9, 1.1), **kwargs):
  """Zooms each image about its centre by a factor drawn from scale_range.

  Args:
    key: PRNG key.
    images: [B, H, W, C].
    boxes, box_mask: optional, see ``jaxdl.augment``.
    scale_range: (min, max) zoom factor; > 1 magnifies (zoom in).
    **kwargs: mode, cval, min_box_size of ``apply_affine``.

  Returns:
    images, or (images, boxes, box_mask).
  """
  boxes_lib.check_images(images)
  _check_range("scale_range", scale_range, low=0.0)
  b = images.shape[0]
  scale = jax.random.uniform(key, (b,), minval=scale_range[0], maxval=scale_range[1])
  linear = scale[:, None, None] * jnp.eye(2)
  forward, offset = _about_centre(linear, jnp.zeros((b, 2)))
  return apply_affine(images, forward, offset, boxes, box_mask, **kwargs)


def random_shift(key, images, boxes=None, box_mask=None, *, max_shift=0.1, **kwargs):
  """Translates each image by up to ``max_shift`` of its size on each axis.

  Args:
    key: PRNG key.
    images: [B, H, W, C].
    boxes, box_mask: optional, see ``jaxdl.augment``.
    max_shift: largest shift as a fraction of width / height, in [0, 1).
    **kwargs: mode, cval, min_box_size of ``apply_affine``.

  Returns:
    images, or (images, boxes, box_mask).
  """
  if not 0.0 <= max_shift < 1.0:
    raise ValueError(f"max_shift must be in [0, 1), got {max_shift}.")
  boxes_lib.check_images(images)
  b = images.shape[0]
  shift = jax.random.uniform(key, (b, 2), minval=-max_shift, maxval=max_shift)
  forward = jnp.broadcast_to(jnp.eye(2), (b, 2, 2))
  return apply_affine(images, forward, shift, boxes, box_mask, **kwargs)


def random_affine(
    key,
    images,
    boxes=None,
    box_mask=None,
    *,
    max_rotation_deg=10.0,
    scale_range=(0.9, 1.1),
    max_shear=0.1,
    max_shift=0.1,
    **kwargs,
):
  """Random rotation, zoom, shear and shift about the centre ("distortion").

  The forward map is shift after rotation @ shear @ scale, all about the
  image centre.

  Args:
    key: PRNG key.
    images: [B, H, W, C].
    boxes, box_mask: optional, see ``jaxdl.augment``.
    max_rotation_deg: rotation angle drawn from U[-max, max] degrees.
    scale_range: (min, max) zoom factor.
    max_shear: shear factor drawn from U[-max, max] (x += shear * y).
    max_shift: translation from U[-max, max] of the image size per axis.
    **kwargs: mode, cval, min_box_size of ``apply_affine``.

  Returns:
    images, or (images, boxes, box_mask).
  """
  _check_range("scale_range", scale_range, low=0.0)
  for name, value in (
      ("max_rotation_deg", max_rotation_deg),
      ("max_shear", max_shear),
      ("max_shift", max_shift),
  ):
    if not value >= 0:  # NaN fails too
      raise ValueError(f"{name} must be >= 0, got {value}.")
  boxes_lib.check_images(images)
  b = images.shape[0]
  k_rot, k_scale, k_shear, k_shift = jax.random.split(key, 4)
  angle = jnp.deg2rad(
      jax.random.uniform(k_rot, (b,), minval=-max_rotation_deg, maxval=max_rotation_deg)
  )
  scale = jax.random.uniform(k_scale, (b,), minval=scale_range[0], maxval=scale_range[1])
  shear = jax.random.uniform(k_shear, (b,), minval=-max_shear, maxval=max_shear)
  shift = jax.random.uniform(k_shift, (b, 2), minval=-max_shift, maxval=max_shift)
  cos, sin = jnp.cos(angle), jnp.sin(angle)
  rotation = jnp.stack([jnp.stack([cos, -sin], -1), jnp.stack([sin, cos], -1)], -2)
  shear_m = jnp.stack(
      [jnp.stack([jnp.ones(b), shear], -1), jnp.stack([jnp.zeros(b), jnp.ones(b)], -1)], -2
  )
  linear = rotation @ shear_m * scale[:, None, None]
  forward, offset = _about_centre(linear, shift)
  return apply_affine(images, forward, offset, boxes, box_mask, **kwargs)
