"""A "user photos" distribution B made from clean images A (notes 2.1, 3.12, 3.13).

Users' amateur photos differ from clean training images: blurred (out of
focus, motion), noisy (small sensors, low light), off-centre, washed out. The
same corruptions serve twice in the data-mismatch experiment: to *make* the
dev/test distribution B from held-out clean images, and, applied to the
training set, as the artificial data synthesis of 3.13 that moves training data
towards B.

Host side numpy (the input pipeline holds no jnp); images are
[N, H, W, C] float32 in [0, 1]; every function returns a new array, clipped to
[0, 1] where it could leave it.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

CORRUPTIONS = ('blur', 'noise', 'shift', 'contrast')


def _check_images(images) -> np.ndarray:
  images = np.asarray(images, np.float32)
  if images.ndim != 4:
    raise ValueError(f'images must be [N, H, W, C], got shape {images.shape}')
  return images


def _per_image(value, n: int, name: str) -> np.ndarray:
  value = np.asarray(value, np.float64)
  if value.ndim == 0:
    value = np.full((n,), float(value))
  if value.shape != (n,):
    raise ValueError(f'{name} must be a scalar or [{n}] (one per image), got shape {value.shape}')
  return value


def gaussian_blur(images, sigma, truncate: float = 4.0) -> np.ndarray:
  """Separable Gaussian blur over height and width (out-of-focus photos).

  Border pixels are mirrored (scipy.ndimage's 'reflect' mode), so a constant
  image stays constant. Each image may have its own sigma.

  Args:
    images: [N, H, W, C] float32.
    sigma: blur standard deviation in pixels, scalar or [N]; 0 leaves an image as is.
    truncate: the kernel radius is int(truncate * sigma + 0.5) pixels.

  Returns:
    [N, H, W, C] float32 blurred images.
  """
  images = _check_images(images)
  n = images.shape[0]
  sigma = _per_image(sigma, n, 'sigma')
  if np.any(sigma < 0):
    raise ValueError('sigma must be >= 0')
  radii = (truncate * sigma + 0.5).astype(int)
  radius = int(radii.max()) if n else 0
  if radius == 0:
    return images.copy()
  offsets = np.arange(-radius, radius + 1)
  safe_sigma = np.where(sigma > 0, sigma, 1.0)[:, None]
  kernels = np.exp(-0.5 * (offsets[None, :] / safe_sigma) ** 2)
  kernels = np.where(np.abs(offsets)[None, :] <= radii[:, None], kernels, 0.0)
  kernels[sigma == 0] = offsets == 0  # a delta: no blur
  kernels /= kernels.sum(axis=1, keepdims=True)
  out = images.astype(np.float64)
  for axis in (1, 2):
    pad = [(0, 0)] * 4
    pad[axis] = (radius, radius)
    padded = np.pad(out, pad, mode='symmetric')
    length = out.shape[axis]
    windows = np.stack(
        [np.take(padded, np.arange(k, k + length), axis=axis) for k in range(2 * radius + 1)],
        axis=-1,
    )
    out = np.einsum('nhwck,nk->nhwc', windows, kernels)
  return out.astype(np.float32)


def add_noise(images, std, rng: np.random.Generator) -> np.ndarray:
  """Adds N(0, std²) pixel noise (sensor noise), clipped to [0, 1].

  Args:
    images: [N, H, W, C] float32 in [0, 1].
    std: noise standard deviation, scalar or [N].
    rng: numpy Generator (host-side randomness, reproducible from a seed).
  """
  images = _check_images(images)
  std = _per_image(std, images.shape[0], 'std')
  if np.any(std < 0):
    raise ValueError('std must be >= 0')
  noise = rng.standard_normal(images.shape) * std[:, None, None, None]
  return np.clip(images + noise, 0.0, 1.0).astype(np.float32)


def shift(images, dy, dx, fill: float = 0.0) -> np.ndarray:
  """Translates each image by whole pixels (off-centre framing).

  Pixels shifted in from outside take `fill` (0 = the digits' background).

  Args:
    images: [N, H, W, C].
    dy, dx: int shifts (down, right positive), scalar or [N].
    fill: value of the uncovered pixels.
  """
  images = _check_images(images)
  n, h, w, _ = images.shape
  dy = _per_image(dy, n, 'dy').astype(int)
  dx = _per_image(dx, n, 'dx').astype(int)
  rows = np.arange(h)[None, :] - dy[:, None]  # source row of each output row
  cols = np.arange(w)[None, :] - dx[:, None]
  valid = ((rows >= 0) & (rows < h))[:, :, None] & ((cols >= 0) & (cols < w))[:, None, :]
  gathered = images[
      np.arange(n)[:, None, None],
      np.clip(rows, 0, h - 1)[:, :, None],
      np.clip(cols, 0, w - 1)[:, None, :],
  ]
  return np.where(valid[..., None], gathered, np.float32(fill)).astype(np.float32)


def adjust_contrast(images, factor) -> np.ndarray:
  """Scales each pixel's distance to its image-and-channel mean (washed-out photos).

  x' = mean + factor·(x - mean), as tf.image.adjust_contrast and dm-pix do;
  factor < 1 lowers contrast. Clipped to [0, 1].

  Args:
    images: [N, H, W, C].
    factor: scalar or [N], >= 0.
  """
  images = _check_images(images)
  factor = _per_image(factor, images.shape[0], 'factor')
  if np.any(factor < 0):
    raise ValueError('factor must be >= 0')
  mean = images.mean(axis=(1, 2), keepdims=True)
  out = mean + factor[:, None, None, None] * (images - mean)
  return np.clip(out, 0.0, 1.0).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class UserPhotos:
  """Ranges of the per-image corruptions of distribution B (each drawn uniformly).

  Attributes:
    blur_sigma: (low, high) Gaussian blur sigma in pixels.
    noise_std: (low, high) pixel noise standard deviation.
    max_shift: shifts are drawn from {-max_shift, ..., max_shift} pixels per axis.
    contrast: (low, high) contrast factor (< 1 washes the image out).
    corruptions: which of CORRUPTIONS to apply; a subset is the "synthesising
      only part of the space" that 3.13 warns about.
  """

  blur_sigma: tuple[float, float] = (0.5, 1.0)
  noise_std: tuple[float, float] = (0.05, 0.15)
  max_shift: int = 1
  contrast: tuple[float, float] = (0.4, 0.8)
  corruptions: Sequence[str] = CORRUPTIONS

  def __post_init__(self):
    unknown = [c for c in self.corruptions if c not in CORRUPTIONS]
    if unknown:
      raise ValueError(f'corruptions must be among {CORRUPTIONS}, got {unknown}')
    for name in ('blur_sigma', 'noise_std', 'contrast'):
      low, high = getattr(self, name)
      if not 0 <= low <= high:
        raise ValueError(f'{name} must be (low, high) with 0 <= low <= high, got {(low, high)}')
    if self.max_shift < 0:
      raise ValueError(f'max_shift must be >= 0, got {self.max_shift}')


def user_photos(images, seed: int, params: UserPhotos = UserPhotos()) -> np.ndarray:
  """Turns clean images (distribution A) into "user photos" (distribution B).

  Order: shift (framing), blur (lens), contrast (exposure), noise (sensor), as
  a camera would produce them. Parameters are drawn per image from `params`.

  Args:
    images: [N, H, W, C] float32 in [0, 1].
    seed: makes the draw reproducible.
    params: ranges and which corruptions to apply.

  Returns:
    [N, H, W, C] float32 in [0, 1].
  """
  images = _check_images(images)
  n = images.shape[0]
  rng = np.random.default_rng(seed)
  # Draw every parameter even when a corruption is off, so that turning one
  # off leaves the others' draws unchanged (a clean ablation).
  dy = rng.integers(-params.max_shift, params.max_shift + 1, n)
  dx = rng.integers(-params.max_shift, params.max_shift + 1, n)
  sigma = rng.uniform(*params.blur_sigma, n)
  factor = rng.uniform(*params.contrast, n)
  std = rng.uniform(*params.noise_std, n)
  out = images
  if 'shift' in params.corruptions:
    out = shift(out, dy, dx)
  if 'blur' in params.corruptions:
    out = gaussian_blur(out, sigma)
  if 'contrast' in params.corruptions:
    out = adjust_contrast(out, factor)
  if 'noise' in params.corruptions:
    out = add_noise(out, std, rng)
  return out.astype(np.float32)
