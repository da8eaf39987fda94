"""Generated detection dataset: coloured shapes on textured backgrounds (host-side numpy).

Each image holds 1..max_objects objects of three classes (ellipse, rectangle,
triangle) with random size, aspect, position and saturated colour, drawn over
a background of random oriented stripes, a colour gradient and pixel noise, so
that colour alone never gives the class and the background is not flat.
Objects may overlap a little (IoU <= max_overlap); later ones occlude earlier
ones, and each box is the full extent of its shape. Boxes are integer pixel
corners, exact by construction.

Everything is a deterministic function of (seed, split), so every run and
every machine sees the same images. Arrays per split (N examples, K = max_objects):
  image: [N, H, W, 3] float32 in [0, 1]
  boxes: [N, K, 4] float32 corners (x_min, y_min, x_max, y_max) / image size
  labels: [N, K] int32 class, 0 where padded
  box_mask: [N, K] bool, True for real objects
  num_objects: [N] int32
"""

import numpy as np

CLASS_NAMES = ('ellipse', 'rectangle', 'triangle')
SPLIT_SIZES = {'train': 4096, 'dev': 512, 'test': 512}  # embedded dataset split sizes
_SPLIT_STREAM = {'train': 0, 'dev': 1, 'test': 2}  # independent random streams per split


def _background(rng, size):
  yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
  base = rng.uniform(0.25, 0.65)
  tint = rng.uniform(-0.08, 0.08, size=3)
  img = np.full((size, size, 3), base, np.float32) + tint
  for _ in range(2):  # oriented stripes
    angle, freq, phase = rng.uniform(0, np.pi), rng.uniform(2, 8), rng.uniform(0, 2 * np.pi)
    wave = np.sin(2 * np.pi * freq * (np.cos(angle) * xx + np.sin(angle) * yy) + phase)
    img += rng.uniform(0.03, 0.12) * wave[..., None] * rng.uniform(0.5, 1.0, size=3)
  img += rng.uniform(-0.1, 0.1, size=(1, 1, 3)) * (xx[..., None] - 0.5)  # colour gradient
  img += rng.normal(0, 0.03, size=img.shape)
  return img


def _shape_mask(label, x0, y0, w, h, size):
  """[size, size] bool mask of the shape filling the box (x0, y0, w, h); pixels."""
  # evaluated on the box's pixels only: every shape lies inside its box
  py, px = np.mgrid[y0 : y0 + h, x0 : x0 + w].astype(np.float32) + 0.5  # pixel centres
  if CLASS_NAMES[label] == 'rectangle':
    inside = np.ones((h, w), bool)
  elif CLASS_NAMES[label] == 'ellipse':
    cx, cy = x0 + w / 2, y0 + h / 2
    inside = ((px - cx) / (w / 2)) ** 2 + ((py - cy) / (h / 2)) ** 2 <= 1.0
  else:  # triangle, apex at the top centre, base along the bottom edge
    inside = np.abs(px - (x0 + w / 2)) <= (py - y0) / h * w / 2 + 0.5
  mask = np.zeros((size, size), bool)
  mask[y0 : y0 + h, x0 : x0 + w] = inside
  return mask


def _colour(rng):
  hue = rng.uniform(0, 1)
  rgb = np.clip(np.abs(np.mod(hue * 6 + np.array([0, 4, 2]), 6) - 3) - 1, 0, 1)  # pure hue
  value = rng.uniform(0.65, 1.0) if rng.uniform() < 0.7 else rng.uniform(0.1, 0.25)
  return (value * (0.25 + 0.75 * rgb)).astype(np.float32)


def _iou(a, b):
  ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
  iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
  inter = ix * iy
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def generate(
    num_examples, seed, *, image_size=48, max_objects=4, min_size=10, max_size=22, max_overlap=0.1
):
  """Generates a detection split.

  Args:
    num_examples: N images.
    seed: int or sequence of ints for np.random.default_rng.
    image_size: side of the square image, pixels.
    max_objects: K, most objects per image (at least 1 per image).
    min_size, max_size: range of object width and height, pixels.
    max_overlap: largest IoU allowed between two objects' boxes.

  Returns:
    dict of arrays as described in the module docstring.
  """
  if not 1 <= min_size <= max_size <= image_size:
    raise ValueError(
        f'need 1 <= min_size ({min_size}) <= max_size ({max_size}) <= image_size ({image_size})'
    )
  if max_objects < 1:
    raise ValueError(f'max_objects must be >= 1, got {max_objects}')
  rng = np.random.default_rng(seed)
  images = np.zeros((num_examples, image_size, image_size, 3), np.float32)
  boxes = np.zeros((num_examples, max_objects, 4), np.float32)
  labels = np.zeros((num_examples, max_objects), np.int32)
  mask = np.zeros((num_examples, max_objects), bool)
  for i in range(num_examples):
    img = _background(rng, image_size)
    want = rng.integers(1, max_objects + 1)
    placed = []
    for _ in range(50 * want):
      if len(placed) == want:
        break
      w, h = rng.integers(min_size, max_size + 1, size=2)
      x0, y0 = rng.integers(0, image_size - w + 1), rng.integers(0, image_size - h + 1)
      box = (x0, y0, x0 + w, y0 + h)
      if any(_iou(box, p[1]) > max_overlap for p in placed):
        continue
      label = int(rng.integers(len(CLASS_NAMES)))
      img[_shape_mask(label, x0, y0, w, h, image_size)] = _colour(rng)
      placed.append((label, box))
    for k, (label, box) in enumerate(placed):
      boxes[i, k] = np.asarray(box, np.float32) / image_size
      labels[i, k] = label
      mask[i, k] = True
    images[i] = np.clip(img, 0.0, 1.0)
  return {
      'image': images,
      'boxes': boxes,
      'labels': labels,
      'box_mask': mask,
      'num_objects': mask.sum(axis=1).astype(np.int32),
  }


def generate_splits(seed, sizes=None, **kwargs):
  """Train/dev/test splits from independent random streams of one seed."""
  sizes = dict(SPLIT_SIZES if sizes is None else sizes)
  unknown = set(sizes) - set(_SPLIT_STREAM)
  if unknown:
    raise ValueError(f'split names must be in {sorted(_SPLIT_STREAM)}, got {sorted(unknown)}')
  return {name: generate(n, [seed, _SPLIT_STREAM[name]], **kwargs) for name, n in sizes.items()}


def make_dataset(seed, sizes=None, **kwargs):
  """The generated splits as a core `Dataset` (input 'image', labels 'labels').

  Args:
    seed: generation seed.
    sizes: {'train': n, 'dev': n, 'test': n}; default SPLIT_SIZES.
    **kwargs: image_size, max_objects, min_size, max_size, max_overlap of `generate`.
  """
  from jaxdl.data.dataset import Dataset  # the core's type; the generator above needs none of it

  splits, info = _splits_and_info(seed, sizes, **kwargs)
  return Dataset(name='detection_shapes', splits=splits, info=info)


def _splits_and_info(seed, sizes=None, **kwargs):
  from jaxdl.data.dataset import DatasetInfo

  splits = generate_splits(seed, sizes, **kwargs)
  first = next(iter(splits.values()))
  info = DatasetInfo(
      num_classes=len(CLASS_NAMES),
      input_key='image',
      label_key='labels',
      class_names=CLASS_NAMES,
      description='generated shapes on textured backgrounds with boxes (jaxdl.detection.data)',
      extra={
          'image_size': first['image'].shape[1],
          'max_objects': first['boxes'].shape[1],
          'boxes_key': 'boxes',
          'box_mask_key': 'box_mask',
      },
  )
  return splits, info


def load(seed):
  """Registry loader (jaxdl.data.registry.EMBEDDED): default-size train/dev/test splits."""
  return _splits_and_info(seed)
