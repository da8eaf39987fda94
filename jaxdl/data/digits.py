"""Embedded real data: scikit-learn's 1,797 handwritten 8x8 digits (UCI).

They ship inside scikit-learn, so this loads with no network at all.
"""

from __future__ import annotations

import numpy as np

from jaxdl.data.dataset import DatasetInfo, Split


def load(seed: int = 0, image_size: int = 8) -> tuple[dict[str, Split], DatasetInfo]:
  """Returns ``({'all': pool}, info)``; the pool is split later by config.

  Args:
    seed: unused (the data are fixed); kept for the loader signature.
    image_size: side in pixels; 8 is native, larger sizes are bilinear
      resizes (e.g. 32 for the classic ConvNets of notes 4.8).

  Returns:
    pool: {'image': [1797, S, S, 1] float32 in [0, 1], 'label': [1797] int32}.
  """
  del seed
  from sklearn.datasets import load_digits  # deferred: sklearn import is slow

  bunch = load_digits()
  images = (bunch.images / 16.0).astype(np.float32)[..., None]
  if image_size != 8:
    images = resize_bilinear(images, image_size)
  pool = {'image': images, 'label': bunch.target.astype(np.int32)}
  info = DatasetInfo(
      num_classes=10,
      class_names=tuple(str(d) for d in range(10)),
      description='scikit-learn digits: 1,797 real 8x8 handwritten digits',
  )
  return {'all': pool}, info


def load_32(seed: int = 0):
  """The digits at 32x32, the input size of LeNet-5 (notes 4.8.1)."""
  return load(seed, image_size=32)


def resize_bilinear(images: np.ndarray, size: int) -> np.ndarray:
  """Host-side bilinear resize of [N, H, W, C] float images to [N, size, size, C]."""
  n, h, w, c = images.shape
  # Pixel-centre sampling, as jax.image.resize does, in plain numpy (host side).
  ys = np.clip((np.arange(size) + 0.5) * h / size - 0.5, 0, h - 1)
  xs = np.clip((np.arange(size) + 0.5) * w / size - 0.5, 0, w - 1)
  y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
  y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
  wy, wx = (ys - y0)[None, :, None, None], (xs - x0)[None, None, :, None]
  top = images[:, y0][:, :, x0] * (1 - wx) + images[:, y0][:, :, x1] * wx
  bottom = images[:, y1][:, :, x0] * (1 - wx) + images[:, y1][:, :, x1] * wx
  return (top * (1 - wy) + bottom * wy).astype(np.float32)
