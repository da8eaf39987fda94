"""Host-side ImageNet-style preprocessing of variable-size uint8 images.

What the Flax ImageNet example and big_vision do before a batch is stacked:
an Inception-style random resized crop and a left-right flip for training, a
padded central crop for evaluation, both resized to a fixed square with PIL's
bilinear filter. Images stay uint8 here; normalisation happens on the device,
inside the jitted step.

This runs in input worker processes (grain), so it is numpy + PIL only (no
jax), and every transform is a module-level function or a functools.partial of
one, so it pickles. Randomness comes from an explicit ``np.random.Generator``.

Images are uint8 [H, W, C] with C = 1 or 3; a greyscale [H, W] is read as
[H, W, 1]. Crop boxes are (top, left, height, width) in pixels.
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np
import PIL.Image

Example = dict
Transform = Callable[[Example, np.random.Generator], Example]

TRANSFORMS = ('', 'imagenet')
# The Flax ImageNet example's eval crop: side = size / (size + 32) * min(H, W),
# i.e. 224 out of 256.
CROP_PADDING = 32


def as_hwc(image) -> np.ndarray:
  """Checks an image and returns it as uint8 [H, W, C], C in (1, 3).

  Args:
    image: uint8 [H, W] (greyscale) or [H, W, C] with C = 1 or 3.

  Raises:
    ValueError: another dtype, rank or channel count, or an empty image.
  """
  image = np.asarray(image)
  if image.dtype != np.uint8:
    raise ValueError(f'image must be uint8, got dtype {image.dtype}')
  if image.ndim == 2:
    image = image[:, :, None]
  if image.ndim != 3 or image.shape[-1] not in (1, 3):
    raise ValueError(f'image must be [H, W], [H, W, 1] or [H, W, 3], got shape {image.shape}')
  if image.shape[0] == 0 or image.shape[1] == 0:
    raise ValueError(f'image is empty: shape {image.shape}')
  return image


def _check_size(size) -> tuple[int, int]:
  """int -> (size, size); (height, width) passes; both must be >= 1."""
  height, width = (size, size) if np.ndim(size) == 0 else tuple(size)
  if int(height) != height or int(width) != width or height < 1 or width < 1:
    raise ValueError(f'size must be a positive int or (height, width), got {size!r}')
  return int(height), int(width)


def resize(image, size) -> np.ndarray:
  """Bilinear resize with PIL (antialiased when shrinking, as torchvision's PIL path).

  Args:
    image: uint8 [H, W] or [H, W, C], C in (1, 3).
    size: output side (square) or (height, width), in pixels.

  Returns:
    uint8 [height, width, C].
  """
  image = as_hwc(image)
  height, width = _check_size(size)
  if image.shape[:2] == (height, width):
    return image.copy()
  # PIL wants a 2-D array for a one-channel ('L') image.
  pil = PIL.Image.fromarray(image[:, :, 0] if image.shape[-1] == 1 else image)
  out = np.asarray(pil.resize((width, height), PIL.Image.BILINEAR))
  return out.reshape(height, width, image.shape[-1])


def crop(image, box: tuple[int, int, int, int]) -> np.ndarray:
  """The (top, left, height, width) box of an [H, W, C] image (a view)."""
  top, left, h, w = box
  return image[top : top + h, left : left + w]


def _check_range(name: str, lo_hi, positive: bool = True) -> tuple[float, float]:
  lo, hi = (float(v) for v in lo_hi)
  if not lo <= hi or (positive and lo <= 0):
    raise ValueError(f'{name} must be (low, high) with 0 < low <= high, got {lo_hi!r}')
  return lo, hi


def sample_crop_box(
    height: int,
    width: int,
    rng: np.random.Generator,
    scale=(0.08, 1.0),
    ratio=(3 / 4, 4 / 3),
    attempts: int = 10,
) -> tuple[int, int, int, int]:
  """Draws an Inception-style crop box (torchvision's RandomResizedCrop.get_params).

  Each attempt draws an area fraction uniform in ``scale`` and an aspect ratio
  (width / height) log-uniform in ``ratio``; the first box that fits inside the
  image is placed uniformly at random. If none fits after ``attempts`` tries,
  the box is the central crop of the whole image with its aspect clipped into
  ``ratio``, so the output never stretches an image beyond the allowed aspect.

  Args:
    height, width: image size in pixels.
    rng: source of the draws.
    scale: (low, high) range of the crop area as a fraction of the image area.
    ratio: (low, high) range of the crop's width / height.
    attempts: draws before the central fallback.

  Returns:
    (top, left, h, w) in pixels, with 1 <= h <= height and 1 <= w <= width.
  """
  if height < 1 or width < 1:
    raise ValueError(f'image size must be >= 1, got {height}x{width}')
  scale = _check_range('scale', scale)
  log_ratio = tuple(math.log(r) for r in _check_range('ratio', ratio))
  area = height * width
  for _ in range(attempts):
    target_area = area * rng.uniform(*scale)
    aspect = math.exp(rng.uniform(*log_ratio))
    w = int(round(math.sqrt(target_area * aspect)))
    h = int(round(math.sqrt(target_area / aspect)))
    if 0 < w <= width and 0 < h <= height:
      top = int(rng.integers(0, height - h + 1))
      left = int(rng.integers(0, width - w + 1))
      return top, left, h, w
  return central_box(height, width, ratio)


def central_box(height: int, width: int, ratio=(3 / 4, 4 / 3)) -> tuple[int, int, int, int]:
  """The largest central box whose width / height lies in ``ratio`` (the fallback)."""
  lo, hi = _check_range('ratio', ratio)
  aspect = width / height
  if aspect < lo:
    w, h = width, max(1, min(height, int(round(width / lo))))
  elif aspect > hi:
    w, h = max(1, min(width, int(round(height * hi)))), height
  else:
    w, h = width, height
  return (height - h) // 2, (width - w) // 2, h, w


def random_resized_crop(
    image,
    rng: np.random.Generator,
    size: int,
    scale=(0.08, 1.0),
    ratio=(3 / 4, 4 / 3),
    attempts: int = 10,
) -> np.ndarray:
  """Inception-style training crop, resized bilinearly to size x size.

  Args:
    image: uint8 [H, W] or [H, W, C], C in (1, 3), any H, W.
    rng: source of the crop box.
    size: output side in pixels.
    scale, ratio, attempts: see ``sample_crop_box``.

  Returns:
    uint8 [size, size, C].
  """
  image = as_hwc(image)
  box = sample_crop_box(image.shape[0], image.shape[1], rng, scale, ratio, attempts)
  return resize(crop(image, box), size)


def random_flip(image, rng: np.random.Generator) -> np.ndarray:
  """Left-right flip with probability 1/2; uint8 [H, W, C] in, same shape out."""
  image = as_hwc(image)
  if rng.random() < 0.5:
    return np.ascontiguousarray(image[:, ::-1])
  return image


def center_crop_box(
    height: int, width: int, size: int, crop_padding: int = CROP_PADDING
) -> tuple[int, int, int, int]:
  """The Flax ImageNet example's eval box: a central square of side size/(size+pad)*min(H, W).

  The side is truncated to an integer and the offsets round up, as that
  example's ``_decode_and_center_crop`` does.
  """
  if crop_padding < 0:
    raise ValueError(f'crop_padding must be >= 0, got {crop_padding}')
  side = max(1, int(size / (size + crop_padding) * min(height, width)))
  return (height - side + 1) // 2, (width - side + 1) // 2, side, side


def center_crop_resize(image, size: int, crop_padding: int = CROP_PADDING) -> np.ndarray:
  """Evaluation transform: padded central square crop, bilinear resize to size.

  Args:
    image: uint8 [H, W] or [H, W, C], C in (1, 3), any H, W.
    size: output side in pixels.
    crop_padding: pixels (at the output scale) cut from the shorter side;
      0 keeps the whole shorter side.

  Returns:
    uint8 [size, size, C].
  """
  image = as_hwc(image)
  _check_size(size)
  box = center_crop_box(image.shape[0], image.shape[1], size, crop_padding)
  return resize(crop(image, box), size)


def _identity(example: Example, rng: np.random.Generator) -> Example:
  del rng
  return dict(example)


def _imagenet_train(example: Example, rng: np.random.Generator, image_size: int) -> Example:
  image = random_resized_crop(example['image'], rng, image_size)
  return {**example, 'image': random_flip(image, rng)}


def _imagenet_eval(example: Example, rng: np.random.Generator, image_size: int) -> Example:
  del rng  # deterministic: every evaluation sees the same pixels
  return {**example, 'image': center_crop_resize(example['image'], image_size)}


def make_transforms(name: str, image_size: int) -> tuple[Transform, Transform]:
  """The (train, eval) per-example transforms of a preprocessing recipe.

  Each is ``fn(example, rng) -> example``: a new dict whose 'image' (uint8
  [H, W, C] of any size) is replaced by the transformed uint8
  [image_size, image_size, C] image; other keys pass through unchanged.

  Args:
    name: '' (identity, for fixed-size datasets) or 'imagenet' (train: random
      resized crop + flip; eval: padded central crop, rng unused).
    image_size: output side in pixels (ignored by '').

  Returns:
    (train_fn, eval_fn), both picklable.
  """
  if name == '':
    return _identity, _identity
  if name == 'imagenet':
    _check_size(image_size)
    return (
        functools.partial(_imagenet_train, image_size=image_size),
        functools.partial(_imagenet_eval, image_size=image_size),
    )
  raise ValueError(f'unknown transform {name!r}; accepted: {", ".join(map(repr, TRANSFORMS))}')
