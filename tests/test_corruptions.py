"""Tests for jaxdl.data.corruptions against scipy.ndimage, dm-pix and hand values."""

import dm_pix
import numpy as np
import pytest
from scipy import ndimage

from jaxdl.data import corruptions


def _images(n=5, h=8, w=9, c=2, seed=0):
  return np.random.default_rng(seed).random((n, h, w, c)).astype(np.float32)


def test_blur_matches_scipy_per_image_sigma():
  images = _images()
  sigmas = np.array([0.0, 0.5, 0.8, 1.0, 1.7])
  got = corruptions.gaussian_blur(images, sigmas)
  for image, sigma, out in zip(images, sigmas, got):
    want = ndimage.gaussian_filter(
        image.astype(np.float64), sigma=(sigma, sigma, 0), mode='reflect', truncate=4.0
    )
    np.testing.assert_allclose(out, want, atol=1e-6)
  np.testing.assert_array_equal(got[0], images[0])  # sigma 0 is the identity


def test_blur_keeps_constants_and_lowers_laplacian_energy():
  flat = np.full((1, 6, 6, 1), 0.3, np.float32)
  np.testing.assert_allclose(corruptions.gaussian_blur(flat, 1.0), flat, atol=1e-6)
  images = _images(c=1)
  blurred = corruptions.gaussian_blur(images, 1.0)
  lap = lambda x: np.var(ndimage.laplace(x[..., 0]))
  assert all(lap(b) < 0.5 * lap(a) for a, b in zip(images, blurred))


def test_noise_std_and_clipping():
  images = np.full((4, 32, 32, 1), 0.5, np.float32)
  noisy = corruptions.add_noise(images, np.array([0.0, 0.05, 0.1, 0.1]), np.random.default_rng(0))
  np.testing.assert_array_equal(noisy[0], images[0])
  assert np.std(noisy[1]) == pytest.approx(0.05, rel=0.1)
  assert np.std(noisy[2]) == pytest.approx(0.1, rel=0.1)
  loud = corruptions.add_noise(images, 2.0, np.random.default_rng(1))
  assert loud.min() == 0.0 and loud.max() == 1.0


def test_shift_hand_example():
  image = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1) / 10
  got = corruptions.shift(image, 1, -1)[0, ..., 0]
  want = np.array([[0.0, 0.0, 0.0], [0.1, 0.2, 0.0], [0.4, 0.5, 0.0]], np.float32)
  np.testing.assert_allclose(got, want)
  # Per-image shifts equal one-at-a-time shifts.
  images = _images(n=3)
  both = corruptions.shift(images, np.array([0, 2, -1]), np.array([1, 0, -2]))
  for i, (dy, dx) in enumerate([(0, 1), (2, 0), (-1, -2)]):
    np.testing.assert_array_equal(both[i], corruptions.shift(images[i : i + 1], dy, dx)[0])


def test_contrast_matches_dm_pix():
  images = _images(n=3)
  factors = np.array([0.5, 1.0, 0.2])
  got = corruptions.adjust_contrast(images, factors)
  for image, factor, out in zip(images, factors, got):
    want = np.clip(np.asarray(dm_pix.adjust_contrast(image, factor)), 0, 1)
    np.testing.assert_allclose(out, want, atol=1e-6)
  # Mean kept, spread scaled.
  np.testing.assert_allclose(got[0].std(axis=(0, 1)), 0.5 * images[0].std(axis=(0, 1)), rtol=1e-5)


def test_user_photos_reproducible_in_range_and_shifted_distribution():
  images = _images(n=64, c=1, seed=3)
  a = corruptions.user_photos(images, seed=7)
  b = corruptions.user_photos(images, seed=7)
  np.testing.assert_array_equal(a, b)
  assert a.dtype == np.float32 and a.min() >= 0 and a.max() <= 1
  assert not np.array_equal(a, corruptions.user_photos(images, seed=8))
  # Lower contrast on average, as the contrast factors are < 1.
  assert a.std(axis=(1, 2, 3)).mean() < images.std(axis=(1, 2, 3)).mean()


def test_user_photos_subset_matches_single_corruption():
  images = _images(n=4, c=1)
  params = corruptions.UserPhotos(corruptions=('blur',), blur_sigma=(0.7, 0.7))
  np.testing.assert_allclose(
      corruptions.user_photos(images, 0, params), corruptions.gaussian_blur(images, 0.7), atol=1e-6
  )


def test_bad_inputs_raise():
  with pytest.raises(ValueError, match='images must be'):
    corruptions.gaussian_blur(np.zeros((8, 8)), 1.0)
  with pytest.raises(ValueError, match='sigma'):
    corruptions.gaussian_blur(_images(), np.ones(3))
  with pytest.raises(ValueError, match='corruptions must be among'):
    corruptions.UserPhotos(corruptions=('rain',))
  with pytest.raises(ValueError, match='contrast'):
    corruptions.UserPhotos(contrast=(0.9, 0.1))


def _digit_pool():
  from jaxdl.data.digits import load

  return load()[0]['all']


def _rows(images):
  return {img.tobytes() for img in images}


def test_mismatch_splits_dev_test_are_b_and_train_is_a():
  from jaxdl.mismatch.data import mismatch_splits

  pool = _digit_pool()
  splits = mismatch_splits(pool, seed=0, a_fraction=0.6, train_dev_fraction=0.15)
  n = len(pool['label'])
  sizes = {k: len(v['label']) for k, v in splits.items()}
  assert sum(sizes.values()) == n
  assert sizes['train'] + sizes['train_dev'] == pytest.approx(0.6 * n, abs=10)
  assert sizes['dev'] == pytest.approx(sizes['test'], abs=10)
  clean = _rows(pool['image'])
  # Train and train-dev are untouched A images; dev and test are all corrupted B.
  assert _rows(splits['train']['image']) <= clean and _rows(splits['train_dev']['image']) <= clean
  assert not _rows(splits['dev']['image']) & clean and not _rows(splits['test']['image']) & clean
  assert not _rows(splits['train']['image']) & _rows(splits['train_dev']['image'])


def test_mismatch_synthesis_copies_and_b_in_train():
  from jaxdl.mismatch.data import mismatch_splits

  pool = _digit_pool()
  base = mismatch_splits(pool, seed=1)
  synth = mismatch_splits(pool, seed=1, synthesis=('blur', 'noise'), synthesis_copies=3)
  assert len(synth['train']['label']) == 3 * len(base['train']['label'])
  assert len(synth['train_dev']['label']) == 3 * len(base['train_dev']['label'])
  np.testing.assert_array_equal(synth['dev']['image'], base['dev']['image'])  # B unchanged
  assert not _rows(synth['train']['image']) & _rows(pool['image'])
  mixed = mismatch_splits(pool, seed=1, b_in_train=0.5)
  b_rows = _rows(base['dev']['image']) | _rows(base['test']['image'])
  assert _rows(mixed['train']['image']) & b_rows  # some user photos now train
  assert len(mixed['dev']['label']) < len(base['dev']['label'])
  with pytest.raises(ValueError, match='b_in_train'):
    mismatch_splits(pool, b_in_train=1.0)
  with pytest.raises(ValueError, match='synthesis_copies'):
    mismatch_splits(pool, synthesis=('blur',), synthesis_copies=0)
