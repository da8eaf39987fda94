"""Generated multi-object images: which of four shapes are present (notes 3.15).

Each 16x16 grayscale image has four 8x8 cells; each shape (hollow square,
plus, x, disk) is present independently with probability `p_present` and, if
present, drawn at a random offset inside its own random cell, with a random
intensity, over Gaussian pixel noise. The label is the presence vector, like
the (pedestrian, car, stop sign, light) quadruple of the notes; the tasks share
low-level features (strokes, edges), the case where 3.15 says multi-task
learning helps.

A share of the *training* labels is missing ("?"): `label_mask` is 0 there and
the label is stored as 0 (it must never be read). Dev and test are fully
labelled, so every model is scored on the same complete answers.
"""

from __future__ import annotations

import numpy as np

from jaxdl.data.dataset import DatasetInfo, Split
from jaxdl.data.generated import generated_splits

SHAPE_NAMES = ('square', 'plus', 'x', 'disk')
IMAGE_SIZE = 16
CELL = 8
GLYPH = 5

_r = np.arange(GLYPH) - GLYPH // 2
_yy, _xx = np.meshgrid(_r, _r, indexing='ij')
GLYPHS = np.stack(
    [
        (np.maximum(np.abs(_yy), np.abs(_xx)) == 2),  # hollow square
        (_yy == 0) | (_xx == 0),  # plus
        (_yy == _xx) | (_yy == -_xx),  # x
        (_yy**2 + _xx**2 <= 5),  # disk
    ]
).astype(np.float32)


def generate(
    num_examples: int,
    rng: np.random.Generator,
    p_present: float = 0.5,
    missing_fraction: float = 0.0,
    noise_std: float = 0.15,
) -> Split:
  """Draws multi-object images.

  Args:
    num_examples: N.
    rng: numpy Generator (the only source of randomness).
    p_present: probability that each shape is in an image.
    missing_fraction: probability that each label is hidden ("?").
    noise_std: pixel noise standard deviation.

  Returns:
    {'image': [N, 16, 16, 1] float32 in [0, 1], 'label': [N, 4] int32 presence,
     'label_mask': [N, 4] float32, 1 = label known}.
  """
  if not 0 <= p_present <= 1:
    raise ValueError(f'p_present must be in [0, 1], got {p_present}')
  if not 0 <= missing_fraction < 1:
    raise ValueError(f'missing_fraction must be in [0, 1), got {missing_fraction}')
  k = len(SHAPE_NAMES)
  present = rng.random((num_examples, k)) < p_present
  cells = np.argsort(rng.random((num_examples, k)), axis=1)  # a distinct cell per shape
  offsets = rng.integers(0, CELL - GLYPH + 1, (num_examples, k, 2))
  intensity = rng.uniform(0.6, 1.0, (num_examples, k))
  images = np.zeros((num_examples, IMAGE_SIZE, IMAGE_SIZE), np.float32)
  for n in range(num_examples):
    for s in np.flatnonzero(present[n]):
      y = (cells[n, s] // 2) * CELL + offsets[n, s, 0]
      x = (cells[n, s] % 2) * CELL + offsets[n, s, 1]
      patch = images[n, y : y + GLYPH, x : x + GLYPH]
      np.maximum(patch, intensity[n, s] * GLYPHS[s], out=patch)
  images += noise_std * rng.standard_normal(images.shape).astype(np.float32)
  mask = (rng.random((num_examples, k)) >= missing_fraction).astype(np.float32)
  labels = np.where(mask > 0, present, 0).astype(np.int32)
  return {'image': np.clip(images, 0, 1)[..., None], 'label': labels, 'label_mask': mask}


def info() -> DatasetInfo:
  return DatasetInfo(
      num_classes=len(SHAPE_NAMES),
      class_names=SHAPE_NAMES,
      description='generated 16x16 images: which of 4 shapes are present '
      '(multi-label, 30% of train labels missing)',
      extra={'multi_label': True, 'mask_key': 'label_mask'},
  )


def load(
    seed: int = 0, sizes=(1200, 400, 400), missing_fraction: float = 0.3
) -> tuple[dict[str, Split], DatasetInfo]:
  """Embedded loader 'shapes': ready-made train/dev/test splits.

  Args:
    seed: generation seed (each split has its own stream).
    sizes: (train, dev, test) numbers of examples.
    missing_fraction: share of train labels hidden; dev/test have none.
  """
  train = generated_splits(
      lambda n, rng: generate(n, rng, missing_fraction=missing_fraction), {'train': sizes[0]}, seed
  )
  evaluation = generated_splits(generate, {'dev': sizes[1], 'test': sizes[2]}, seed)
  return {**train, **evaluation}, info()


def single_task(split: Split, task: int) -> Split:
  """One head's data for a separate single-task model: its present labels only.

  Returns:
    the examples whose label `task` is known, with 'label' and 'label_mask'
    narrowed to [n, 1].
  """
  if not 0 <= task < split['label'].shape[1]:
    raise ValueError(f'task must be in [0, {split["label"].shape[1]}), got {task}')
  keep = split['label_mask'][:, task] > 0
  out = {k: v[keep] for k, v in split.items()}
  out['label'] = out['label'][:, task : task + 1]
  out['label_mask'] = out['label_mask'][:, task : task + 1]
  return out
