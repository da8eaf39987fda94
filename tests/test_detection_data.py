"""The generated detection dataset: shapes, determinism, exact boxes, independent splits."""

import numpy as np
import pytest

from jaxdl.detection import data as D


@pytest.fixture(scope='module')
def split():
  return D.generate(64, 7, image_size=32, max_objects=3, min_size=6, max_size=14)


def test_arrays_and_ranges(split):
  assert split['image'].shape == (64, 32, 32, 3) and split['image'].dtype == np.float32
  assert split['boxes'].shape == (64, 3, 4) and split['labels'].shape == (64, 3)
  assert split['box_mask'].dtype == bool
  assert 0.0 <= split['image'].min() and split['image'].max() <= 1.0
  np.testing.assert_array_equal(split['num_objects'], split['box_mask'].sum(1))
  assert split['num_objects'].min() >= 1 and split['num_objects'].max() == 3
  real = split['boxes'][split['box_mask']]
  assert np.all(real[:, 2:] > real[:, :2]) and real.min() >= 0 and real.max() <= 1
  sizes = (real[:, 2:] - real[:, :2]) * 32
  assert sizes.min() >= 6 - 1e-4 and sizes.max() <= 14 + 1e-4
  assert np.all(split['boxes'][~split['box_mask']] == 0)
  assert set(np.unique(split['labels'][split['box_mask']])) == {0, 1, 2}


def test_overlap_is_bounded(split):
  for boxes, mask in zip(split['boxes'], split['box_mask']):
    b = boxes[mask]
    for i in range(len(b)):
      for j in range(i):
        assert D._iou(tuple(b[i]), tuple(b[j])) <= 0.1 + 1e-6


@pytest.mark.parametrize('label', range(len(D.CLASS_NAMES)))
@pytest.mark.parametrize('x0,y0,w,h', [(3, 5, 10, 14), (0, 0, 7, 7), (20, 11, 12, 9)])
def test_boxes_are_tight_around_the_shape(label, x0, y0, w, h):
  mask = D._shape_mask(label, x0, y0, w, h, 32)
  rows, cols = np.nonzero(mask)
  assert (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1) == (x0, y0, x0 + w, y0 + h)


def test_deterministic_and_independent_splits():
  a = D.generate_splits(3, {'train': 8, 'test': 8}, image_size=32, min_size=6, max_size=14)
  b = D.generate_splits(3, {'train': 8, 'test': 8}, image_size=32, min_size=6, max_size=14)
  c = D.generate_splits(4, {'train': 8}, image_size=32, min_size=6, max_size=14)
  for k in a['train']:
    np.testing.assert_array_equal(a['train'][k], b['train'][k])
  assert not np.allclose(a['train']['image'], a['test']['image'])
  assert not np.allclose(a['train']['image'], c['train']['image'])


def test_bad_arguments():
  with pytest.raises(ValueError, match='min_size'):
    D.generate(2, 0, image_size=16, min_size=10, max_size=20)
  with pytest.raises(ValueError, match='split names'):
    D.generate_splits(0, {'valid': 4})


def test_voc_conversion_hand_case():
  from jaxdl.detection import voc

  image = np.zeros((20, 40, 3), np.uint8)
  image[:, 20:] = 255
  bbox = np.array(
      [
          [0.1, 0.2, 0.5, 0.4],  # (y_min, x_min, y_max, x_max), area 0.08
          [0.0, 0.0, 1.0, 1.0],  # difficult: dropped
          [0.5, 0.5, 1.0, 1.0],  # area 0.25: largest kept first
          [0.0, 0.0, 0.1, 0.1],
      ]
  )  # area 0.01: over max_objects = 2
  out = voc.convert_example(
      image, bbox, [3, 4, 7, 9], [False, True, False, False], image_size=8, max_objects=2
  )
  assert out['image'].shape == (8, 8, 3)
  np.testing.assert_allclose(out['image'][:, :3], 0.0)  # left half black,
  np.testing.assert_allclose(out['image'][:, 5:], 1.0)  # right half white after resizing
  np.testing.assert_allclose(out['boxes'], [[0.5, 0.5, 1.0, 1.0], [0.2, 0.1, 0.4, 0.5]])
  np.testing.assert_array_equal(out['labels'], [7, 3])
  np.testing.assert_array_equal(out['box_mask'], [True, True])


def test_configured_augmentation_moves_boxes_with_the_objects():
  """The detect config's flip + shift (jaxdl.augment) keeps each box on its object."""
  import jax
  from jaxdl.augment.pipeline import make_augment_fn
  from launch.configs import detect as detect_config

  size, n = 48, 16
  rng = np.random.default_rng(0)
  images = np.zeros((n, size, size, 3), np.float32)
  boxes = np.zeros((n, 1, 4), np.float32)
  for i in range(n):
    w, h = rng.integers(8, 20, size=2)
    x0, y0 = rng.integers(0, size - w + 1), rng.integers(0, size - h + 1)
    images[i, y0 : y0 + h, x0 : x0 + w] = 1.0
    boxes[i, 0] = np.array([x0, y0, x0 + w, y0 + h]) / size
  augment = make_augment_fn(
      detect_config.get_config().augment.to_dict(), boxes_key='boxes', box_mask_key='box_mask'
  )
  out = jax.jit(augment)(
      {'image': images, 'boxes': boxes, 'box_mask': np.ones((n, 1), bool)}, jax.random.key(3)
  )
  moved = 0
  for img, box, keep in zip(
      np.asarray(out['image']), np.asarray(out['boxes'])[:, 0], np.asarray(out['box_mask'])[:, 0]
  ):
    rows, cols = np.nonzero(img[..., 0] > 0.5)
    if not keep:  # pushed (almost) out of the frame
      assert (
          len(rows) == 0
          or min(cols.max() + 1 - cols.min(), rows.max() + 1 - rows.min()) <= 0.04 * size + 1
      )
      continue
    np.testing.assert_allclose(
        [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1], box * size, atol=1.0
    )
    moved += 1
  assert moved >= n - 2
  assert not np.allclose(np.asarray(out['boxes']), boxes)  # something did move
