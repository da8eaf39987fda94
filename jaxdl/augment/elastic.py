"""Random elastic distortion (notes 2.3.3.1 "random distortions").

A smooth random displacement field (Simard et al. 2003) via dm-pix. It bends
shapes locally, so axis-aligned boxes have no exact image under it: boxes
are refused rather than silently left in place.
"""

import dm_pix as pix
import jax

from jaxdl.augment import boxes as boxes_lib


def random_elastic(key, images, *, alpha=8.0, sigma=3.0, mode="constant", cval=0.0):
  """Elastic distortion of each image with its own displacement field.

  Args:
    key: PRNG key.
    images: [B, H, W, C].
    alpha: displacement magnitude in pixels (> 0).
    sigma: Gaussian smoothing of the field in pixels (> 0); small sigma gives
      noisy, large sigma gently bent images.
    mode: 'constant' or 'nearest' fill outside the frame.
    cval: fill value for mode='constant'.

  Returns:
    [B, H, W, C] distorted images.
  """
  boxes_lib.check_images(images)
  if not (alpha > 0 and sigma > 0):  # written so that NaN fails too
    raise ValueError(f"alpha and sigma must be > 0, got {alpha}, {sigma}.")
  if mode not in ("constant", "nearest"):
    raise ValueError(f"mode must be 'constant' or 'nearest', got {mode!r}.")
  keys = jax.random.split(key, images.shape[0])

  def one(k, image):
    return pix.elastic_deformation(k, image, alpha, sigma, mode=mode, cval=cval)

  return jax.vmap(one)(keys, images)
