"""Two real TFDS datasets generated offline from a seed, stored as ArrayRecord.

They exist so that the TFDS input path (``tfds.data_source`` -> random access
-> host-side decode and crop) can be tested and benchmarked on a closed
machine, on files that look like what ``tfds build`` writes for CIFAR or
ImageNet, with no download and no TensorFlow:

* ``jaxdl_synthetic_images``: fixed-size RGB images (PNG inside the records,
  like cifar10) and a 10-class label;
* ``jaxdl_synthetic_jpegs``: variable-size RGB JPEGs (like imagenet2012) and
  a 10-class label.

The label is in the pixels, so a model can learn it: class c is a sinusoidal
grating at orientation c * 18 degrees, tinted with colour c (hue c / 10), with
a random phase, contrast and additive noise per example. Example i of a split
is a pure function of (seed, split, i) (``synthetic_image_example``,
``synthetic_jpeg_example``), and records are stored in index order, so
record i of a split is example i.

Sizes live in the builder config's name, so sets of several sizes share one
data_dir and a prepared one is found again by name::

  builder = prepare_synthetic_images(data_dir, num_train=60_000, num_test=10_000,
                                     image_size=64)
  source = builder.as_data_source('train')
  # or, in another process:
  source = tfds.data_source('jaxdl_synthetic_images/train60000_test10000_size64_seed0',
                            split='train', data_dir=data_dir)

Decoding goes through TFDS's numpy path (PIL), which 4.9.x uses for
``as_data_source``; encoding is done here with PIL because TFDS's own numpy
image encoder needs TensorFlow. Preparation never touches the network: the
builders have nothing to download and refuse TFDS's try-GCS-first lookup.
"""

from __future__ import annotations

import colorsys
import dataclasses
import functools
import io
import operator
import re

from etils import epath
import numpy as np
import PIL.Image
import tensorflow_datasets as tfds

VERSION = tfds.core.Version('1.0.0')
NUM_CLASSES = 10
SPLITS = ('train', 'validation', 'test')
# Part of every example's seed, so the splits never share an example.
_SPLIT_IDS = {'train': 0, 'validation': 1, 'test': 2}
JPEG_QUALITY = 90


# --- the pixels --------------------------------------------------------------


def class_colour(label: int) -> np.ndarray:
  """[3] float64 RGB in [0, 1]: hue label / NUM_CLASSES at full saturation."""
  return np.array(colorsys.hsv_to_rgb(label / NUM_CLASSES, 1.0, 1.0))


def class_pattern(
    label: int, height: int, width: int, rng: np.random.Generator, noise_std: float
) -> np.ndarray:
  """One example of class ``label``: a tinted oriented grating plus noise.

  Args:
    label: class in [0, NUM_CLASSES).
    height, width: image size in pixels.
    rng: draws the phase, the contrast and the noise.
    noise_std: standard deviation of the additive Gaussian noise, in uint8 levels.

  Returns:
    uint8 [height, width, 3].
  """
  theta = np.pi * label / NUM_CLASSES
  period = max(height, width) / 4  # pixels per cycle: four stripes per image
  phase = rng.uniform(0, 2 * np.pi)
  contrast = rng.uniform(0.6, 1.0)
  y, x = np.mgrid[:height, :width]
  wave = np.sin(2 * np.pi * (x * np.cos(theta) + y * np.sin(theta)) / period + phase)
  grey = 0.5 + 0.4 * contrast * wave  # in [0.1, 0.9]
  pixels = 255 * grey[:, :, None] * class_colour(label)
  pixels += rng.normal(0, noise_std, pixels.shape)
  return np.clip(np.round(pixels), 0, 255).astype(np.uint8)


def _example_rng(seed: int, split: str, index: int) -> np.random.Generator:
  if split not in _SPLIT_IDS:
    raise ValueError(f'unknown split {split!r}; accepted: {", ".join(SPLITS)}')
  return np.random.default_rng([seed, _SPLIT_IDS[split], index])


def synthetic_image_example(index: int, split: str, image_size: int, seed: int) -> dict:
  """Example ``index`` of a jaxdl_synthetic_images split, as stored (PNG is lossless).

  Returns:
    {'image': uint8 [image_size, image_size, 3], 'label': int in [0, 10)}.
  """
  rng = _example_rng(seed, split, index)
  label = int(rng.integers(NUM_CLASSES))
  return {
      'image': class_pattern(label, image_size, image_size, rng, noise_std=20.0),
      'label': label,
  }


def synthetic_jpeg_example(
    index: int, split: str, seed: int, min_side: int = 48, max_side: int = 160
) -> dict:
  """Example ``index`` of a jaxdl_synthetic_jpegs split, before JPEG encoding.

  Height and width are drawn independently, uniform in [min_side, max_side].
  The noise is mild (std 3 levels) so that JPEG at quality 90 stays close to
  these pixels (mean absolute error ~2 levels).

  Returns:
    {'image': uint8 [h, w, 3], 'label': int in [0, 10)}.
  """
  rng = _example_rng(seed, split, index)
  label = int(rng.integers(NUM_CLASSES))
  height, width = (int(s) for s in rng.integers(min_side, max_side + 1, size=2))
  return {'image': class_pattern(label, height, width, rng, noise_std=3.0), 'label': label}


def encode_png(image: np.ndarray) -> bytes:
  """uint8 [H, W, 3] -> PNG bytes (lossless)."""
  buffer = io.BytesIO()
  PIL.Image.fromarray(image).save(buffer, format='PNG')
  return buffer.getvalue()


def encode_jpeg(image: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
  """uint8 [H, W, 3] -> baseline JPEG bytes at ``quality``."""
  buffer = io.BytesIO()
  PIL.Image.fromarray(image).save(buffer, format='JPEG', quality=quality)
  return buffer.getvalue()


# --- configs: the sizes, carried in the config name ---------------------------


def _check_counts(num_train: int, num_validation: int, num_test: int, seed: int) -> None:
  if num_train < 1 or num_test < 1 or num_validation < 0 or seed < 0:
    raise ValueError(
        f'need num_train >= 1, num_test >= 1, num_validation >= 0 and '
        f'seed >= 0; got {num_train}, {num_test}, {num_validation}, {seed}'
    )


def _counts_name(num_train: int, num_validation: int, num_test: int) -> str:
  val = f'_val{num_validation}' if num_validation else ''
  return f'train{num_train}{val}_test{num_test}'


_COUNTS_RE = r'train(?P<num_train>\d+)(?:_val(?P<num_validation>\d+))?_test(?P<num_test>\d+)'


@dataclasses.dataclass(eq=False, kw_only=True)
class SyntheticImagesConfig(tfds.core.BuilderConfig):
  """Sizes of a jaxdl_synthetic_images set; make one with ``images_config``."""

  num_train: int
  num_validation: int
  num_test: int
  image_size: int  # side of the square images, pixels
  seed: int

  def split_counts(self) -> dict[str, int]:
    return {'train': self.num_train, 'validation': self.num_validation, 'test': self.num_test}


@dataclasses.dataclass(eq=False, kw_only=True)
class SyntheticJpegsConfig(tfds.core.BuilderConfig):
  """Sizes of a jaxdl_synthetic_jpegs set; make one with ``jpegs_config``."""

  num_train: int
  num_validation: int
  num_test: int
  min_side: int  # height and width are uniform in [min_side, max_side] pixels
  max_side: int
  seed: int

  def split_counts(self) -> dict[str, int]:
    return {'train': self.num_train, 'validation': self.num_validation, 'test': self.num_test}


def images_config(
    num_train: int, num_test: int, image_size: int = 32, seed: int = 0, num_validation: int = 0
) -> SyntheticImagesConfig:
  """The config ``train{n}[_val{v}]_test{m}_size{s}_seed{seed}``."""
  return _images_config(
      *map(operator.index, (num_train, num_test, image_size, seed, num_validation))
  )


def jpegs_config(
    num_train: int,
    num_test: int,
    seed: int = 0,
    num_validation: int = 0,
    min_side: int = 48,
    max_side: int = 160,
) -> SyntheticJpegsConfig:
  """The config ``train{n}[_val{v}]_test{m}_sides{min}to{max}_seed{seed}``."""
  return _jpegs_config(
      *map(operator.index, (num_train, num_test, seed, num_validation, min_side, max_side))
  )


# Cached, with positional arguments only, so that one name is one config
# object: TFDS rejects a config passed by value that is a different object
# with the name of a known one.
@functools.lru_cache(maxsize=None)
def _images_config(num_train, num_test, image_size, seed, num_validation):
  _check_counts(num_train, num_validation, num_test, seed)
  if image_size < 1:
    raise ValueError(f'image_size must be >= 1, got {image_size}')
  name = f'{_counts_name(num_train, num_validation, num_test)}_size{image_size}_seed{seed}'
  return SyntheticImagesConfig(
      name=name,
      num_train=num_train,
      num_validation=num_validation,
      num_test=num_test,
      image_size=image_size,
      seed=seed,
      description=f'{image_size}x{image_size} RGB images, seed {seed}',
  )


@functools.lru_cache(maxsize=None)
def _jpegs_config(num_train, num_test, seed, num_validation, min_side, max_side):
  _check_counts(num_train, num_validation, num_test, seed)
  if not 1 <= min_side <= max_side:
    raise ValueError(f'need 1 <= min_side <= max_side, got {min_side}, {max_side}')
  name = (
      f'{_counts_name(num_train, num_validation, num_test)}'
      f'_sides{min_side}to{max_side}_seed{seed}'
  )
  return SyntheticJpegsConfig(
      name=name,
      num_train=num_train,
      num_validation=num_validation,
      num_test=num_test,
      min_side=min_side,
      max_side=max_side,
      seed=seed,
      description=f'RGB JPEGs with sides in [{min_side}, {max_side}], seed {seed}',
  )


def _parse(pattern: str, name: str, make) -> tfds.core.BuilderConfig | None:
  match = re.fullmatch(pattern, name)
  if match is None:
    return None
  return make(**{k: int(v) for k, v in match.groupdict().items() if v is not None})


# --- the builders ------------------------------------------------------------


class _OfflineBuilder(tfds.core.GeneratorBasedBuilder, skip_registration=True):
  """ArrayRecord by default, nothing to download, any config name that parses."""

  VERSION = VERSION
  # TFDS's own code_path imports importlib_resources (not a dependency here)
  # for any builder defined inside a package; this is the value it would find.
  code_path = epath.Path(__file__)

  def __init__(self, *, file_format: str = 'array_record', **kwargs):
    super().__init__(file_format=file_format, **kwargs)

  @classmethod
  def _parse_config(cls, name: str) -> tfds.core.BuilderConfig | None:
    raise NotImplementedError

  @classmethod
  def get_builder_config(cls, name, version=None):
    """A listed config, else one parsed from the name (sizes in the name)."""
    return super().get_builder_config(name, version) or cls._parse_config(name)

  def download_and_prepare(self, *, download_config=None, **kwargs):
    """As TFDS's, without its look for a prepared copy on GCS.

    That look is a network call wherever TensorFlow or gcsfs can reach gs://,
    and there is never a copy of these sets there.
    """
    download_config = dataclasses.replace(
        download_config or tfds.download.DownloadConfig(), try_download_gcs=False
    )
    super().download_and_prepare(download_config=download_config, **kwargs)

  def _split_generators(self, dl_manager):
    del dl_manager  # generated, nothing to download
    return {
        split: self._generate_examples(split, n)
        for split, n in self.builder_config.split_counts().items()
        if n
    }

  def _dataset_info(self, image_feature, description: str) -> tfds.core.DatasetInfo:
    # DatasetInfo directly rather than dataset_info_from_configs, which reads
    # README/CITATIONS files from the module's directory.
    return tfds.core.DatasetInfo(
        builder=self,
        description=description,
        features=tfds.features.FeaturesDict(
            {
                'image': image_feature,
                'label': tfds.features.ClassLabel(num_classes=NUM_CLASSES),
            }
        ),
        supervised_keys=('image', 'label'),
        # Record i is example i, so a test or a sampler can regenerate it.
        disable_shuffling=True,
    )


class JaxdlSyntheticImages(_OfflineBuilder):
  """Fixed-size RGB images of 10 classes (oriented tinted gratings + noise)."""

  BUILDER_CONFIGS = [
      images_config(200, 100, image_size=32),  # default: tests, seconds to build
      # Benchmarks: ~700 MB (the noise keeps PNG near the raw 12 KB per image),
      # about a minute to prepare on one core.
      images_config(60_000, 10_000, image_size=64),
  ]

  @classmethod
  def _parse_config(cls, name):
    return _parse(_COUNTS_RE + r'_size(?P<image_size>\d+)_seed(?P<seed>\d+)', name, images_config)

  def _info(self):
    size = self.builder_config.image_size
    return self._dataset_info(
        tfds.features.Image(shape=(size, size, 3)),
        'Synthetic 10-class images generated from a seed (jaxdl.data.tfds_builders).',
    )

  def _generate_examples(self, split: str, num_examples: int):
    config = self.builder_config
    for i in range(num_examples):
      example = synthetic_image_example(i, split, config.image_size, config.seed)
      yield i, {**example, 'image': encode_png(example['image'])}


class JaxdlSyntheticJpegs(_OfflineBuilder):
  """Variable-size RGB JPEGs of 10 classes (oriented tinted gratings + mild noise)."""

  BUILDER_CONFIGS = [jpegs_config(200, 50)]  # default

  @classmethod
  def _parse_config(cls, name):
    return _parse(
        _COUNTS_RE + r'_sides(?P<min_side>\d+)to(?P<max_side>\d+)_seed(?P<seed>\d+)',
        name,
        jpegs_config,
    )

  def _info(self):
    return self._dataset_info(
        tfds.features.Image(shape=(None, None, 3), encoding_format='jpeg'),
        'Synthetic 10-class JPEGs of varying size generated from a seed '
        '(jaxdl.data.tfds_builders).',
    )

  def _generate_examples(self, split: str, num_examples: int):
    config = self.builder_config
    for i in range(num_examples):
      example = synthetic_jpeg_example(i, split, config.seed, config.min_side, config.max_side)
      yield i, {**example, 'image': encode_jpeg(example['image'])}


def _prepare(builder_cls, config, data_dir) -> tfds.core.DatasetBuilder:
  builder = builder_cls(data_dir=str(data_dir), config=config.name)
  builder.download_and_prepare()
  return builder


def prepare_synthetic_images(
    data_dir,
    num_train: int,
    num_test: int,
    image_size: int = 32,
    seed: int = 0,
    num_validation: int = 0,
):
  """Generates (once) and returns a jaxdl_synthetic_images set in ``data_dir``.

  Reuses the files when this config is already prepared there. Read it back
  with ``builder.as_data_source(split)`` or
  ``tfds.data_source(f'jaxdl_synthetic_images/{builder.builder_config.name}',
  split=split, data_dir=data_dir)``; records are {'image': uint8 [S, S, 3],
  'label': int}.

  Args:
    data_dir: TFDS data directory (created if missing).
    num_train, num_test, num_validation: examples per split; a 'validation'
      split exists only when num_validation > 0.
    image_size: side S of the square images, pixels.
    seed: the generator's seed.

  Returns:
    the prepared ``tfds.core.DatasetBuilder``.
  """
  config = images_config(num_train, num_test, image_size, seed, num_validation)
  return _prepare(JaxdlSyntheticImages, config, data_dir)


def prepare_synthetic_jpegs(
    data_dir,
    num_train: int,
    num_test: int,
    seed: int = 0,
    num_validation: int = 0,
    min_side: int = 48,
    max_side: int = 160,
):
  """Generates (once) and returns a jaxdl_synthetic_jpegs set in ``data_dir``.

  Records read back through ``as_data_source`` are {'image': uint8 [h, w, 3]
  decoded by TFDS with PIL, 'label': int}, with h, w in [min_side, max_side].

  Returns:
    the prepared ``tfds.core.DatasetBuilder``.
  """
  config = jpegs_config(num_train, num_test, seed, num_validation, min_side, max_side)
  return _prepare(JaxdlSyntheticJpegs, config, data_dir)
