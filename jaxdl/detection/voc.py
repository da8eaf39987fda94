"""PASCAL VOC through TFDS ('voc/2007'), converted to the padded-box format.

For users with internet (or a prepared TFDS data_dir); nothing here runs
offline except `convert_example`, which the tests check. Images are resized
(plainly, aspect not kept) to a square, so normalised boxes stay valid; objects
marked "difficult" are dropped (VOC leaves them out of AP), and when an image
has more than max_objects the largest ones are kept.
"""

import numpy as np

from jaxdl.data.digits import resize_bilinear

VOC_CLASSES = (
    'aeroplane',
    'bicycle',
    'bird',
    'boat',
    'bottle',
    'bus',
    'car',
    'cat',
    'chair',
    'cow',
    'diningtable',
    'dog',
    'horse',
    'motorbike',
    'person',
    'pottedplant',
    'sheep',
    'sofa',
    'train',
    'tvmonitor',
)  # TFDS label order


def convert_example(image, bbox, labels, is_difficult, *, image_size, max_objects):
  """One TFDS VOC example -> fixed-shape arrays.

  Args:
    image: [H, W, 3] uint8.
    bbox: [n, 4] TFDS boxes (y_min, x_min, y_max, x_max) normalised to [0, 1].
    labels: [n] int class.
    is_difficult: [n] bool.
    image_size: output side, pixels.
    max_objects: K, padded number of boxes.

  Returns:
    dict image [S, S, 3] float32 in [0, 1], boxes [K, 4] corners
    (x_min, y_min, x_max, y_max), labels [K] int32, box_mask [K] bool,
    num_objects [] int32.
  """
  bbox = np.asarray(bbox, np.float32).reshape(-1, 4)
  keep = ~np.asarray(is_difficult, bool)
  corners, labels = bbox[keep][:, [1, 0, 3, 2]], np.asarray(labels)[keep]
  area = (corners[:, 2] - corners[:, 0]) * (corners[:, 3] - corners[:, 1])
  order = np.argsort(-area, kind='stable')[:max_objects]
  n = len(order)
  boxes = np.zeros((max_objects, 4), np.float32)
  out_labels = np.zeros((max_objects,), np.int32)
  boxes[:n], out_labels[:n] = corners[order], labels[order]
  img = resize_bilinear(np.asarray(image, np.float32)[None] / 255.0, image_size)[0]
  return {
      'image': img,
      'boxes': boxes,
      'labels': out_labels,
      'box_mask': np.arange(max_objects) < n,
      'num_objects': np.int32(n),
  }


def load_voc(name='voc/2007', *, image_size=96, max_objects=16, data_dir=None, allow_download=True):
  """Loads a TFDS VOC dataset as a core `Dataset` with train/dev/test splits.

  TFDS 'validation' becomes dev. Needs the dataset prepared in data_dir or a
  network to download it (several GB).

  Raises:
    DatasetUnavailableError: not prepared and no download possible.
  """
  import tensorflow_datasets as tfds
  from jaxdl.data.dataset import Dataset, DatasetInfo
  from jaxdl.data.tfds_source import DatasetUnavailableError, network_reachable

  builder = tfds.builder(name, data_dir=data_dir)
  if not builder.is_prepared():
    if not allow_download or not network_reachable():
      raise DatasetUnavailableError(
          f'TFDS dataset {name!r} is not prepared in {builder.data_dir} and cannot be downloaded '
          f'(allow_download={allow_download}); the embedded detection set is detection_shapes'
      )
    builder.download_and_prepare()
  splits = {}
  for tfds_split, ours in (('train', 'train'), ('validation', 'dev'), ('test', 'test')):
    rows = [
        convert_example(
            ex['image'],
            ex['objects']['bbox'],
            ex['objects']['label'],
            ex['objects']['is_difficult'],
            image_size=image_size,
            max_objects=max_objects,
        )
        for ex in tfds.as_numpy(builder.as_dataset(split=tfds_split))
    ]
    splits[ours] = {k: np.stack([r[k] for r in rows]) for k in rows[0]}
  info = DatasetInfo(
      num_classes=len(VOC_CLASSES),
      input_key='image',
      label_key='labels',
      class_names=VOC_CLASSES,
      description=f'TFDS {name} resized to {image_size}',
      extra={'image_size': image_size, 'max_objects': max_objects},
  )
  return Dataset(name=name, splits=splits, info=info)
