"""Tests of jaxdl.data.tfds_builders: prepared offline, read back without TensorFlow.

Every test runs with the network cut (socket connects raise), so a TFDS code
path that reaches for GCS or a download fails here instead of hanging a
closed machine.
"""

import colorsys
import io
import pathlib
import pickle
import socket
import sys

import numpy as np
import PIL.Image
import pytest
import tensorflow_datasets as tfds

from jaxdl.data import tfds_builders as tb

IMAGES = 'jaxdl_synthetic_images/train200_val20_test50_size32_seed0'
JPEGS = 'jaxdl_synthetic_jpegs/train60_test20_sides48to160_seed0'


def _refuse(*args, **kwargs):
  raise AssertionError(f'network access attempted: {args!r}')


def cut_network(mp: pytest.MonkeyPatch) -> None:
  mp.setattr(socket, 'create_connection', _refuse)
  mp.setattr(socket.socket, 'connect', _refuse)
  mp.setattr(socket.socket, 'connect_ex', _refuse)
  mp.setattr(socket, 'getaddrinfo', _refuse)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
  cut_network(monkeypatch)


@pytest.fixture(scope='module')
def data_dir(tmp_path_factory):
  """One directory holding both datasets, prepared with the network cut."""
  path = tmp_path_factory.mktemp('tfds')
  with pytest.MonkeyPatch.context() as mp:
    cut_network(mp)
    tb.prepare_synthetic_images(path, num_train=200, num_test=50, num_validation=20)
    tb.prepare_synthetic_jpegs(path, num_train=60, num_test=20)
  return str(path)


def records(source):
  return [source[i] for i in range(len(source))]


def pil_decode(data: bytes) -> np.ndarray:
  return np.asarray(PIL.Image.open(io.BytesIO(data)).convert('RGB'))


# --- jaxdl_synthetic_images ------------------------------------------------


def test_images_counts_dtypes_and_shapes(data_dir):
  for split, n in [('train', 200), ('validation', 20), ('test', 50)]:
    source = tfds.data_source(IMAGES, split=split, data_dir=data_dir)
    assert len(source) == n
    for r in records(source):
      assert r['image'].dtype == np.uint8 and r['image'].shape == (32, 32, 3)
      assert 0 <= int(r['label']) < 10
  assert 'tensorflow' not in sys.modules  # read and written without TF


def test_images_records_are_the_regenerated_examples(data_dir):
  for split in ('train', 'validation', 'test'):
    source = tfds.data_source(IMAGES, split=split, data_dir=data_dir)
    for i, r in enumerate(records(source)):
      expected = tb.synthetic_image_example(i, split, image_size=32, seed=0)
      np.testing.assert_array_equal(r['image'], expected['image'])  # PNG: lossless
      assert int(r['label']) == expected['label']


def test_images_label_is_recoverable_from_the_pixels(data_dir):
  # Class c is tinted with hue c/10: the hue of an image's mean colour gives
  # the label back, so a model has something to learn.
  source = tfds.data_source(IMAGES, split='test', data_dir=data_dir)
  rs = records(source)
  hits = 0
  for r in rs:
    mean = r['image'].reshape(-1, 3).mean(0) / 255
    hue = colorsys.rgb_to_hsv(*mean)[0]
    hits += int(round(hue * 10)) % 10 == int(r['label'])
  assert hits / len(rs) >= 0.95
  assert len({int(r['label']) for r in rs}) >= 8  # not one class


def test_splits_differ_and_seed_changes_the_pixels():
  a = tb.synthetic_image_example(0, 'train', 32, seed=0)['image']
  assert not np.array_equal(a, tb.synthetic_image_example(0, 'test', 32, seed=0)['image'])
  assert not np.array_equal(a, tb.synthetic_image_example(0, 'train', 32, seed=1)['image'])
  np.testing.assert_array_equal(a, tb.synthetic_image_example(0, 'train', 32, seed=0)['image'])


def test_same_seed_prepares_identical_records(tmp_path, data_dir):
  again = tb.prepare_synthetic_images(tmp_path, num_train=200, num_test=50, num_validation=20)
  first = tfds.data_source(IMAGES, split='train', data_dir=data_dir)
  second = again.as_data_source('train')
  for r1, r2 in zip(records(first), records(second)):
    np.testing.assert_array_equal(r1['image'], r2['image'])
    assert r1['label'] == r2['label']
  other = tb.prepare_synthetic_images(tmp_path, num_train=200, num_test=50, seed=1)
  assert other.data_dir != again.data_dir  # a set per config in one data_dir
  assert not np.array_equal(other.as_data_source('train')[0]['image'], second[0]['image'])


def test_preparing_again_reuses_the_files(data_dir):
  builder = tfds.builder(IMAGES, data_dir=data_dir)
  files = sorted(pathlib.Path(builder.data_dir).iterdir())
  mtimes = [f.stat().st_mtime_ns for f in files]
  tb.prepare_synthetic_images(data_dir, num_train=200, num_test=50, num_validation=20)
  assert [f.stat().st_mtime_ns for f in files] == mtimes


def test_builder_from_directory_reads_the_prepared_set(data_dir):
  path = tfds.builder(IMAGES, data_dir=data_dir).data_dir
  builder = tfds.builder_from_directory(path)
  assert builder.info.splits['train'].num_examples == 200
  assert builder.info.features['label'].num_classes == 10
  assert builder.info.features['image'].shape == (32, 32, 3)
  r = builder.as_data_source('validation')[7]
  expected = tb.synthetic_image_example(7, 'validation', image_size=32, seed=0)
  np.testing.assert_array_equal(r['image'], expected['image'])


def test_registered_names_and_default_config(tmp_path):
  builder = tfds.builder('jaxdl_synthetic_images', data_dir=str(tmp_path))
  assert isinstance(builder, tb.JaxdlSyntheticImages)
  assert builder.builder_config.name == 'train200_test100_size32_seed0'
  assert not builder.is_prepared()
  assert str(builder.version) == '1.0.0'
  jpegs = tfds.builder('jaxdl_synthetic_jpegs/train3_test2_sides8to9_seed4', data_dir=str(tmp_path))
  assert (jpegs.builder_config.num_train, jpegs.builder_config.min_side) == (3, 8)
  with pytest.raises(ValueError):
    tfds.builder('jaxdl_synthetic_images/not_a_size', data_dir=str(tmp_path))


def test_data_source_pickles_for_worker_processes(data_dir):
  source = tfds.data_source(IMAGES, split='test', data_dir=data_dir)
  clone = pickle.loads(pickle.dumps(source))
  np.testing.assert_array_equal(clone[3]['image'], source[3]['image'])


def test_bad_sizes_raise():
  with pytest.raises(ValueError, match='num_train'):
    tb.images_config(0, 10)
  with pytest.raises(ValueError, match='image_size'):
    tb.images_config(10, 10, image_size=0)
  with pytest.raises(ValueError, match='min_side'):
    tb.jpegs_config(10, 10, min_side=50, max_side=40)
  with pytest.raises(ValueError, match='split'):
    tb.synthetic_image_example(0, 'dev', 32, 0)


# --- jaxdl_synthetic_jpegs -------------------------------------------------


def test_jpegs_decode_without_tensorflow_to_variable_sizes(data_dir):
  source = tfds.data_source(JPEGS, split='train', data_dir=data_dir)
  assert len(source) == 60
  shapes = set()
  for r in records(source):
    image = r['image']
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert 48 <= image.shape[0] <= 160 and 48 <= image.shape[1] <= 160
    shapes.add(image.shape)
  assert len(shapes) >= 30  # sizes vary, per side
  assert len({s[0] for s in shapes}) > 10 and len({s[1] for s in shapes}) > 10
  assert len(tfds.data_source(JPEGS, split='test', data_dir=data_dir)) == 20
  assert 'tensorflow' not in sys.modules


def test_jpegs_are_the_generated_pixels_within_jpeg_error(data_dir):
  for split in ('train', 'test'):
    source = tfds.data_source(JPEGS, split=split, data_dir=data_dir)
    for i, r in enumerate(records(source)):
      expected = tb.synthetic_jpeg_example(i, split, seed=0)
      assert r['image'].shape == expected['image'].shape
      assert int(r['label']) == expected['label']
      error = np.abs(r['image'].astype(np.int32) - expected['image']).mean()
      assert error < 8, (split, i, error)
      # The stored bytes are the encoder's: decoding them directly agrees.
      np.testing.assert_array_equal(r['image'], pil_decode(tb.encode_jpeg(expected['image'])))


def test_jpegs_builder_from_directory(data_dir):
  path = tfds.builder(JPEGS, data_dir=data_dir).data_dir
  builder = tfds.builder_from_directory(path)
  assert builder.info.features['image'].shape == (None, None, 3)
  assert builder.info.features['image'].encoding_format == 'jpeg'
  assert builder.info.splits['test'].num_examples == 20
  assert builder.as_data_source('test')[0]['image'].dtype == np.uint8
