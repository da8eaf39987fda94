"""Content and style images: from files, or the two photos scikit-learn ships (offline).

Images are host-side numpy [H, W, 3] float32 RGB in [0, 1].
"""

import jax
import numpy as np

EMBEDDED_IMAGES = ('china', 'flower')  # sklearn.datasets.load_sample_images()


def load_image(source: str, max_side: int = 0) -> np.ndarray:
  """Reads an image by embedded name or file path.

  Args:
    source: 'china' or 'flower' (scikit-learn's sample photos, 427x640), or
      the path of a PNG/JPEG file.
    max_side: if > 0, resize so that the longer side has this many pixels
      (aspect ratio kept, antialiased).

  Returns:
    [H, W, 3] float32 RGB in [0, 1].
  """
  if source in EMBEDDED_IMAGES:
    from sklearn.datasets import load_sample_images  # embedded, no network

    bunch = load_sample_images()
    names = [f.rsplit('/', 1)[-1].split('.')[0] for f in bunch.filenames]
    image = bunch.images[names.index(source)]
  else:
    import os

    if not os.path.exists(source):
      raise ValueError(
          f'image source must be one of {EMBEDDED_IMAGES} or an existing file, ' f'got {source!r}'
      )
    import matplotlib.image as mpimg

    image = mpimg.imread(source)
  image = np.asarray(image)
  image = image.astype(np.float32) / 255.0 if image.dtype == np.uint8 else image.astype(np.float32)
  if image.ndim == 2:
    image = np.repeat(image[..., None], 3, axis=-1)
  image = image[..., :3]  # drop alpha
  if max_side:
    h, w = image.shape[:2]
    scale = max_side / max(h, w)
    image = resize(image, (max(1, round(h * scale)), max(1, round(w * scale))))
  return image


def resize(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
  """[H, W, C] -> [shape[0], shape[1], C], antialiased bilinear, clipped to [0, 1]."""
  out = jax.image.resize(image, tuple(shape) + image.shape[2:], 'linear', antialias=True)
  return np.clip(np.asarray(out), 0.0, 1.0)


def save_image(path: str, image: np.ndarray) -> None:
  """Writes [H, W, 3] float in [0, 1] as PNG."""
  import matplotlib.image as mpimg

  mpimg.imsave(path, np.clip(np.asarray(image), 0.0, 1.0))
