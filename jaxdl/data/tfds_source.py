"""Datasets by TFDS name (mnist, cifar10, imagenet2012, ...) or prepared directory.

``open_tfds`` is what training uses: each split becomes a lazy
``TFDSSource`` over ``tfds.data_source`` (ArrayRecord, no TensorFlow
needed), streamed by the input pipeline, so a dataset never has to fit in
memory. A dataset prepared as TFRecord only (no ArrayRecord files) is read
into memory through ``as_dataset`` (needs tensorflow-cpu, see
requirements-tfds.txt). ``load_tfds`` loads every split into memory as
numpy, for the text corpora whose vocabulary needs all of it.

A download is attempted only when the dataset is not prepared locally, the
config allows downloads and the TFDS storage host answers within seconds;
otherwise this fails at once, naming the embedded datasets, instead of
hanging for minutes on a closed network.
"""

from __future__ import annotations

import socket
from typing import Sequence

import numpy as np

from jaxdl.data.dataset import DatasetInfo, Split

_STORAGE_HOST = ('storage.googleapis.com', 443)


from jaxdl.errors import DatasetUnavailableError  # noqa: E402  (re-exported)


def network_reachable(timeout_s: float = 3.0) -> bool:
  """Whether the TFDS storage host accepts a TCP connection within timeout_s."""
  try:
    with socket.create_connection(_STORAGE_HOST, timeout=timeout_s):
      return True
  except OSError:
    return False


def _to_numpy(source) -> Split:
  """Stacks a random-access source of feature dicts into a split."""
  rows = [source[i] for i in range(len(source))]
  return {k: np.stack([np.asarray(r[k]) for r in rows]) for k in rows[0]}


def _builder(name: str, data_dir: str | None, allow_download: bool, hint: str):
  """The prepared TFDS builder of ``name`` (a catalog name or a prepared directory)."""
  import os
  import tensorflow_datasets as tfds
  from jaxdl.data import tfds_builders

  del tfds_builders  # imported for its side effect: registers the jaxdl_synthetic_* builders
  if os.path.isdir(name):
    try:
      return tfds.builder_from_directory(name)
    except Exception as e:  # noqa: BLE001  (tfds raises several types)
      raise DatasetUnavailableError(
          f'{name} is not a prepared TFDS dataset directory (it needs dataset_info.json '
          f'and the record files: {type(e).__name__}); {hint}'
      ) from None
  try:
    builder = tfds.builder(name, data_dir=data_dir)
  except Exception as e:  # tfds raises several types for unknown names
    raise DatasetUnavailableError(
        f'unknown dataset {name!r} (not embedded, not in the TFDS catalog, not a '
        f'prepared directory: {type(e).__name__}); {hint}'
    ) from None
  if not builder.is_prepared():
    if not allow_download:
      raise DatasetUnavailableError(
          f'TFDS dataset {name!r} is not prepared in {builder.data_dir} and '
          f'downloads are off (config.data.allow_download); {hint}'
      )
    if not network_reachable():
      raise DatasetUnavailableError(
          f'TFDS dataset {name!r} is not prepared in {builder.data_dir} and the '
          f'network is unreachable, so it cannot be downloaded; {hint}'
      )
    builder.download_and_prepare(file_format='array_record')
  return builder


def open_tfds(
    name: str, *, data_dir: str | None, allow_download: bool, embedded: Sequence[str]
) -> tuple[dict, DatasetInfo]:
  """Every split of TFDS dataset ``name`` as a lazy source (nothing loaded).

  ``name`` is a catalog name (prepared in ``data_dir``, or downloaded when
  allowed and online) or the path of a prepared dataset directory (the one
  holding dataset_info.json and the ArrayRecord files).

  Returns:
    ({split name: TFDSSource}, info); images stay uint8, labels int32.

  Raises:
    DatasetUnavailableError: unknown name, or not prepared and no download.
  """
  from jaxdl.data.sources import TFDSSource

  hint = f'embedded datasets that need no download: {", ".join(sorted(embedded))}'
  builder = _builder(name, data_dir, allow_download, hint)
  if 'array_record' not in str(builder.info.file_format).lower():
    return load_tfds(name, data_dir=data_dir, allow_download=allow_download, embedded=embedded)
  splits = {s: TFDSSource(str(builder.data_dir), s) for s in builder.info.splits}
  return splits, _info(name, builder)


def _info(name: str, builder) -> DatasetInfo:
  features = builder.info.features
  label = features['label'] if 'label' in features.keys() else None
  return DatasetInfo(num_classes=getattr(label, 'num_classes', None), description=f'TFDS {name}')


def load_tfds(
    name: str, *, data_dir: str | None, allow_download: bool, embedded: Sequence[str]
) -> tuple[dict[str, Split], DatasetInfo]:
  """Loads every split of TFDS dataset ``name`` into memory.

  Returns:
    ({split name: split}, info); images are float32 in [0, 1], labels int32.

  Raises:
    DatasetUnavailableError: unknown name, or not prepared and no download.
  """
  hint = f'embedded datasets that need no download: {", ".join(sorted(embedded))}'
  try:
    import tensorflow_datasets as tfds
  except ImportError as e:  # pragma: no cover - tfds is a requirement
    raise DatasetUnavailableError(f'tensorflow-datasets is not installed ({e}); {hint}')
  builder = _builder(name, data_dir, allow_download, hint)
  splits = {}
  split_names = list(builder.info.splits) or ['train', 'test']
  for split in split_names:
    try:
      source = builder.as_data_source(split)
      splits[split] = _to_numpy(source)
    except Exception:  # not ArrayRecord: fall back to tf.data
      splits[split] = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
  return {k: _standardise(v) for k, v in splits.items()}, _info(name, builder)


def _standardise(split: Split) -> Split:
  """uint8 images -> float32 in [0, 1]; integer labels -> int32."""
  out = dict(split)
  if 'image' in out and out['image'].dtype == np.uint8:
    out['image'] = out['image'].astype(np.float32) / 255.0
  if 'label' in out and np.issubdtype(out['label'].dtype, np.integer):
    out['label'] = out['label'].astype(np.int32)
  return out
