"""Datasets by name: embedded digits, TFDS through mock data, clear failures."""

import time

import numpy as np
import pytest

from jaxdl.data import registry, tfds_source
from jaxdl.data.normalize import fit_input_stats, normalize
from jaxdl.errors import DatasetUnavailableError


def test_digits_are_the_real_sklearn_digits():
  from sklearn.datasets import load_digits

  d = registry.load_dataset('digits', seed=0)
  total = sum(len(s['label']) for s in d.splits.values())
  assert total == 1797 and d.info.num_classes == 10
  train = d.splits['train']
  assert train['image'].shape[1:] == (8, 8, 1) and train['image'].dtype == np.float32
  assert 0.0 <= train['image'].min() and train['image'].max() <= 1.0
  # Each image equals a row of scikit-learn's data (/16), with its label.
  ref = load_digits()
  flat = (ref.data / 16.0).astype(np.float32)
  row = np.flatnonzero((np.abs(flat - train['image'][0].reshape(-1)) < 1e-6).all(1))
  assert row.size >= 1 and train['label'][0] in ref.target[row]


def test_digits32_resize_keeps_mean_intensity():
  d8 = registry.load_dataset('digits', seed=0)
  d32 = registry.load_dataset('digits32', seed=0)
  assert d32.splits['train']['image'].shape[1:] == (32, 32, 1)
  np.testing.assert_array_equal(d8.splits['test']['label'], d32.splits['test']['label'])
  np.testing.assert_allclose(
      d8.splits['test']['image'].mean(), d32.splits['test']['image'].mean(), rtol=0.05
  )


def test_unknown_name_fails_fast_naming_embedded():
  t0 = time.perf_counter()
  with pytest.raises(DatasetUnavailableError, match='digits') as e:
    registry.load_dataset('no_such_dataset_xyz')
  assert 'embedded' in str(e.value)
  assert time.perf_counter() - t0 < 30


def test_tfds_name_not_prepared_and_no_download_fails_fast(tmp_path):
  t0 = time.perf_counter()
  with pytest.raises(DatasetUnavailableError, match='not prepared') as e:
    registry.load_dataset('mnist', data_dir=str(tmp_path), allow_download=False)
  assert 'digits' in str(e.value)
  assert time.perf_counter() - t0 < 30


def test_tfds_name_offline_fails_fast_without_trying_download(tmp_path, monkeypatch):
  monkeypatch.setattr(tfds_source, 'network_reachable', lambda timeout_s=3.0: False)
  with pytest.raises(DatasetUnavailableError, match='unreachable'):
    registry.load_dataset('mnist', data_dir=str(tmp_path), allow_download=True)


def test_tfds_path_with_mock_data(monkeypatch):
  import tensorflow_datasets as tfds

  monkeypatch.setattr(tfds_source, 'network_reachable', lambda timeout_s=3.0: True)
  with tfds.testing.mock_data(num_examples=40, policy=tfds.testing.MockPolicy.USE_CODE):
    d = registry.load_dataset('mnist', seed=0, fractions=(0.6, 0.2, 0.2))
  assert set(d.splits) == {'train', 'dev', 'test'}
  assert d.info.num_classes == 10
  assert d.splits['train']['image'].dtype == np.float32
  assert d.splits['train']['image'].shape[1:] == (28, 28, 1)
  # Official test split kept whole; train divided 3:1 into train/dev.
  assert len(d.splits['test']['label']) == 40
  assert len(d.splits['train']['label']) + len(d.splits['dev']['label']) == 40
  assert len(d.splits['dev']['label']) == 10


def test_normalisation_fitted_on_train_only():
  d = registry.load_dataset('digits', seed=0)
  stats = fit_input_stats(d.splits['train']['image'])
  z = normalize(d.splits['train']['image'], stats)
  np.testing.assert_allclose(z.mean(), 0.0, atol=1e-5)
  np.testing.assert_allclose(z.std(), 1.0, atol=1e-4)
  # Stats are numpy's over the train pixels, not over the whole pool.
  np.testing.assert_allclose(stats['mean'], d.splits['train']['image'].mean(), rtol=1e-5)
  assert not np.isclose(stats['mean'][0], d.splits['dev']['image'].mean(), rtol=1e-6)


def test_default_fractions_follow_the_dataset_size():
  d = registry.load_dataset('digits', seed=0)  # 1,797 examples: 60/20/20 (notes 3.5)
  sizes = {k: len(s['label']) for k, s in d.splits.items()}
  assert sizes == {'train': 1078, 'dev': 360, 'test': 359}  # largest remainder of 1797
