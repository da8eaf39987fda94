"""Builds one batch augmentation function from a config (notes 2.3.3.1).

The config maps op names to keyword arguments, e.g.::

    {'flip_left_right': {'probability': 0.5},
     'crop': {'padding': 1},
     'affine': {'max_rotation_deg': 10.0}}

Ops run in the fixed order of ``OPS`` (flips, crop, zoom, shift, affine,
elastic), each with its own key folded from the step key. The result is
``augment_fn(batch, rng) -> batch`` (the core's ``AugmentFn``
signature, jaxdl.train.steps) for the train step: it rewrites
``batch[image_key]`` and, when ``boxes_key`` is set, the boxes and their mask.
"""

import jax

from jaxdl.augment import affine
from jaxdl.augment import crop
from jaxdl.augment import elastic
from jaxdl.augment import flips

OPS = {
    "flip_left_right": flips.random_flip_left_right,
    "flip_up_down": flips.random_flip_up_down,
    "crop": crop.random_crop,
    "zoom": affine.random_zoom,
    "shift": affine.random_shift,
    "affine": affine.random_affine,
    "elastic": elastic.random_elastic,
}


def make_augment_fn(ops_config, *, image_key="image", boxes_key=None, box_mask_key=None):
  """Returns ``augment_fn(batch, rng) -> batch`` applying the configured ops.

  Args:
    ops_config: mapping op name -> kwargs mapping (see ``OPS`` for names);
      an empty mapping gives the identity.
    image_key: batch key of the [B, H, W, C] images.
    boxes_key: batch key of [B, K, 4] normalised boxes, or None.
    box_mask_key: batch key of the [B, K] box mask (required with boxes_key).

  Returns:
    A pure function of (batch dict, PRNG key) returning a new batch dict.
  """
  unknown = set(ops_config) - set(OPS)
  if unknown:
    raise ValueError(f"unknown augmentation op(s) {sorted(unknown)}; " f"accepted: {list(OPS)}.")
  if (boxes_key is None) != (box_mask_key is None):
    raise ValueError("boxes_key and box_mask_key must be given together.")
  if boxes_key is not None and "elastic" in ops_config:
    raise ValueError("elastic distortion cannot move boxes; drop 'elastic' " "or boxes_key.")
  chosen = [(i, name, dict(ops_config[name])) for i, name in enumerate(OPS) if name in ops_config]

  def augment_fn(batch, key):
    batch = dict(batch)
    for index, name, kwargs in chosen:
      op_key = jax.random.fold_in(key, index)
      if boxes_key is None:
        batch[image_key] = OPS[name](op_key, batch[image_key], **kwargs)
      else:
        batch[image_key], batch[boxes_key], batch[box_mask_key] = OPS[name](
            op_key, batch[image_key], batch[boxes_key], batch[box_mask_key], **kwargs
        )
    return batch

  return augment_fn
