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
