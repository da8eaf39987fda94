"""Data augmentation on the device (notes 2.3.3.1): pure, jittable batch ops.

Every function here acts on a whole batch, takes a PRNG key as its first
argument, draws an independent transformation per example and runs inside a
jitted train step (no numpy, no host round trip).

Conventions (shared with the detection code, which imports this package):

* ``images``: ``[B, H, W, C]`` float32 (any range; fills use ``cval``). A
  single ``[H, W, C]`` image is rejected with a ValueError (add the batch axis:
  ``images[None]``); the rank is static, so the check costs nothing under jit.
* ``boxes``: ``[B, K, 4]`` float32, ``(x_min, y_min, x_max, y_max)``
  normalised to ``[0, 1]`` of the image width/height, padded to K boxes.
* ``box_mask``: ``[B, K]`` bool, True where a box is real.

Geometric functions accept optional ``boxes`` / ``box_mask``. Called without
boxes they return the transformed images; called with boxes they return
``(images, boxes, box_mask)``: boxes are moved with the image, clipped to the
frame, and a box whose clipped width or height falls below ``min_box_size``
(normalised) is dropped from ``box_mask``. Elastic distortion does not move
boxes and refuses them.

Public functions:
  random_flip_left_right, random_flip_up_down     (flips.py)
  random_crop                                      (crop.py)
  random_zoom, random_shift, random_affine         (affine.py)
  random_elastic                                   (elastic.py)
  make_augment_fn                                  (pipeline.py: config ->
                                                   fn(batch, rng) for the
                                                   core train step)
"""
from jaxdl.augment.affine import random_affine
from jaxdl.augment.affine import random_shift
from jaxdl.augment.affine import random_zoom
from jaxdl.augment.crop import random_crop
from jaxdl.augment.elastic import random_elastic
from jaxdl.augment.flips import random_flip_left_right
from jaxdl.augment.flips import random_flip_up_down
from jaxdl.augment.pipeline import make_augment_fn

__all__ = [
    "random_affine", "random_shift", "random_zoom", "random_crop",
    "random_elastic", "random_flip_left_right", "random_flip_up_down",
    "make_augment_fn",
]
