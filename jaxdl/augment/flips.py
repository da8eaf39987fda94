"""Random horizontal / vertical flips of a batch (notes 2.3.3.1)."""

import dm_pix as pix
import jax
import jax.numpy as jnp

from jaxdl.augment import boxes as boxes_lib


def _check_probability(probability):
  if not 0.0 <= float(probability) <= 1.0:
    raise ValueError(f"probability must be in [0, 1], got {probability}.")


def random_flip_left_right(key, images, boxes=None, box_mask=None, *, probability=0.5):
  """Mirrors each image left-right with the given probability.

  Args:
    key: PRNG key.
    images: [B, H, W, C].
    boxes: optional [B, K, 4] normalised (x_min, y_min, x_max, y_max).
    box_mask: optional [B, K] bool (required with boxes).
    probability: chance that an example is flipped, in [0, 1].

  Returns:
    images [B, H, W, C], or (images, boxes, box_mask) when boxes are given.
  """
  mirror = lambda b: jnp.stack([1.0 - b[..., 2], b[..., 1], 1.0 - b[..., 0], b[..., 3]], axis=-1)
  return _random_flip(key, images, boxes, box_mask, probability, pix.flip_left_right, mirror)


def random_flip_up_down(key, images, boxes=None, box_mask=None, *, probability=0.5):
  """Mirrors each image top-bottom with the given probability.

  Args:
    key: PRNG key.
    images: [B, H, W, C].
    boxes: optional [B, K, 4] normalised (x_min, y_min, x_max, y_max).
    box_mask: optional [B, K] bool (required with boxes).
    probability: chance that an example is flipped, in [0, 1].

  Returns:
    images [B, H, W, C], or (images, boxes, box_mask) when boxes are given.
  """
  mirror = lambda b: jnp.stack([b[..., 0], 1.0 - b[..., 3], b[..., 2], 1.0 - b[..., 1]], axis=-1)
  return _random_flip(key, images, boxes, box_mask, probability, pix.flip_up_down, mirror)


def _random_flip(key, images, boxes, box_mask, probability, flip_image, mirror_boxes):
  """Flips each example with ``probability``; boxes follow their pixels."""
  # check_boxes also rejects images without a batch axis: a single [H, W, C]
  # image would be flipped along the wrong axis and returned without error.
  _check_probability(probability)
  boxes_lib.check_boxes(images, boxes, box_mask)
  flip = jax.random.bernoulli(key, probability, (images.shape[0],))
  out = jnp.where(flip[:, None, None, None], jax.vmap(flip_image)(images), images)
  if boxes is None:
    return out
  return out, jnp.where(flip[:, None, None], mirror_boxes(boxes), boxes), box_mask
