"""Datasets by TFDS name (mnist, cifar10, ...), for users with internet.

Read through ``tfds.data_source`` (ArrayRecord, no TensorFlow needed) when the
prepared files allow it, else through ``as_dataset`` (needs tensorflow-cpu,
see requirements-tfds.txt). Everything is loaded into memory as numpy: fine
for the MNIST/CIFAR-sized sets the notes' experiments use.

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


def load_tfds(name: str, *, data_dir: str | None, allow_download: bool,
              embedded: Sequence[str]) -> tuple[dict[str, Split], DatasetInfo]:
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
  try:
    builder = tfds.builder(name, data_dir=data_dir)
  except Exception as e:  # tfds raises several types for unknown names
    raise DatasetUnavailableError(
        f'unknown dataset {name!r} (not embedded, not in the TFDS catalog: '
        f'{type(e).__name__}); {hint}') from None
  if not builder.is_prepared():
    if not allow_download:
      raise DatasetUnavailableError(
          f'TFDS dataset {name!r} is not prepared in {builder.data_dir} and '
          f'downloads are off (config.data.allow_download); {hint}')
    if not network_reachable():
      raise DatasetUnavailableError(
          f'TFDS dataset {name!r} is not prepared in {builder.data_dir} and the '
          f'network is unreachable, so it cannot be downloaded; {hint}')
    builder.download_and_prepare()
  splits = {}
  split_names = list(builder.info.splits) or ['train', 'test']
  for split in split_names:
    try:
      source = builder.as_data_source(split)
      splits[split] = _to_numpy(source)
    except Exception:  # not ArrayRecord: fall back to tf.data
      splits[split] = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
  features = builder.info.features
  label = features['label'] if 'label' in features.keys() else None
  info = DatasetInfo(num_classes=getattr(label, 'num_classes', None),
                     description=f'TFDS {name}')
  return {k: _standardise(v) for k, v in splits.items()}, info


def _standardise(split: Split) -> Split:
  """uint8 images -> float32 in [0, 1]; integer labels -> int32."""
  out = dict(split)
  if 'image' in out and out['image'].dtype == np.uint8:
    out['image'] = out['image'].astype(np.float32) / 255.0
  if 'label' in out and np.issubdtype(out['label'].dtype, np.integer):
    out['label'] = out['label'].astype(np.int32)
  return out
