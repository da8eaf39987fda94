"""Generated identities: random stroke glyphs, each drawn many times with distortions.

An offline stand-in for Omniglot/LFW (notes 4.12-4.13): an identity is a
random prototype of a few pen strokes; every example of it is the prototype
under a random affine map (rotation, scale, shear, shift), endpoint jitter and
stroke width, plus pixel noise, like one person photographed many times.
With hundreds of identities the encoder must learn what stays constant
within an identity rather than memorise a few classes, so it can generalise
to identities held out of training; the scikit-learn digits (10 classes)
are too few for that.
"""

import numpy as np

from jaxdl.data.dataset import DatasetInfo, Split


def render_strokes(
    starts: np.ndarray, ends: np.ndarray, width: np.ndarray, size: int
) -> np.ndarray:
  """Anti-aliased line segments on a size x size canvas.

  Args:
    starts, ends: [n, strokes, 2] segment endpoints (x, y) in unit coordinates [0, 1].
    width: [n] half-width of the strokes, unit coordinates.
    size: canvas side in pixels.

  Returns:
    [n, size, size] float32 ink in [0, 1] (max over strokes).
  """
  centres = (np.arange(size) + 0.5) / size
  px = np.stack(np.meshgrid(centres, centres, indexing='xy'), -1).reshape(-1, 2)  # [P, 2] (x, y)
  a, b = starts[:, :, None, :], ends[:, :, None, :]  # [n, S, 1, 2]
  ab = b - a
  t = np.sum((px - a) * ab, -1) / np.maximum(np.sum(ab * ab, -1), 1e-9)  # [n, S, P]
  closest = a + np.clip(t, 0, 1)[..., None] * ab
  dist = np.linalg.norm(px - closest, axis=-1).min(axis=1)  # [n, P]
  ink = np.clip(1.0 - (dist - width[:, None]) * size, 0.0, 1.0)  # one-pixel soft edge
  return ink.reshape(-1, size, size).astype(np.float32)


def make_glyph_identities(
    num_identities: int = 300,
    per_identity: int = 20,
    size: int = 16,
    strokes: int = 3,
    seed: int = 0,
) -> Split:
  """A pool of distorted drawings of random glyph identities.

  Args:
    num_identities: distinct prototypes (>= 2).
    per_identity: drawings of each (>= 2).
    size: image side in pixels.
    strokes: pen strokes per prototype.
    seed: numpy seed; the pool is a deterministic function of the arguments.

  Returns:
    {'image': [num_identities * per_identity, size, size, 1] float32 in [0, 1],
     'label': [...] int32 identity}.
  """
  if num_identities < 2 or per_identity < 2 or strokes < 1 or size < 8:
    raise ValueError(
        f'need num_identities >= 2, per_identity >= 2, strokes >= 1, size >= 8; got '
        f'{num_identities}, {per_identity}, {strokes}, {size}'
    )
  rng = np.random.default_rng(seed)
  proto = rng.uniform(0.2, 0.8, (num_identities, strokes, 2, 2))  # [id, stroke, end, xy]
  labels = np.repeat(np.arange(num_identities), per_identity)
  n = len(labels)
  pts = proto[labels] + rng.normal(0, 0.03, (n, strokes, 2, 2))  # per-drawing jitter
  theta = rng.uniform(-0.3, 0.3, n)
  scale = rng.uniform(0.85, 1.15, n)
  shear = rng.uniform(-0.15, 0.15, n)
  cos, sin = np.cos(theta), np.sin(theta)
  rot = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)  # [n, 2, 2]
  shr = np.zeros((n, 2, 2))
  shr[:, 0, 0] = shr[:, 1, 1] = 1.0
  shr[:, 0, 1] = shear
  m = scale[:, None, None] * rot @ shr
  shift = rng.uniform(-0.07, 0.07, (n, 2))
  pts = np.einsum('nij,nsej->nsei', m, pts - 0.5) + 0.5 + shift[:, None, None, :]
  width = rng.uniform(0.03, 0.06, n)
  images = render_strokes(pts[:, :, 0], pts[:, :, 1], width, size)
  images = np.clip(images + rng.normal(0, 0.05, images.shape), 0, 1).astype(np.float32)
  return {'image': images[..., None], 'label': labels.astype(np.int32)}


def load(seed: int = 0) -> tuple[dict[str, Split], DatasetInfo]:
  """Embedded-dataset loader (jaxdl.data.registry.EMBEDDED 'glyph_identities')."""
  pool = make_glyph_identities(seed=seed)
  info = DatasetInfo(
      num_classes=int(pool['label'].max()) + 1,
      description='generated glyph identities: 300 random 3-stroke prototypes x 20 '
      'distorted 16x16 drawings',
  )
  return {'all': pool}, info
