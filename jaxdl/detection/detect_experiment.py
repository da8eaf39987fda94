"""YOLO detection experiment (notes 4.11), end to end.

1. Data: the generated shapes set (`data.make_dataset`) or any registered
   detection dataset with padded 'boxes', 'labels', 'box_mask'.
2. Anchors: k-means with the 1 - IoU distance on the training boxes, or given.
3. Training: the core's `train_and_evaluate` with the YOLO Task (targets
   encoded in the step after box-moving augmentation from jaxdl.augment).
4. Evaluation: decode + score threshold + per-class NMS, then VOC all-point
   AP@0.5 per class on dev and test; a Markdown table, TensorBoard scalars and
   a PNG of test images with predicted boxes in the workdir.
"""

import dataclasses
import functools
import os

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl import experiment_checks as checks
from jaxdl.augment.pipeline import make_augment_fn
from jaxdl.data.registry import load_dataset
from jaxdl.detection import anchors as anchors_lib
from jaxdl.detection import data as data_lib
from jaxdl.detection import map as map_lib
from jaxdl.detection import plot
from jaxdl.detection import yolo
from jaxdl.detection.task import yolo_task
from jaxdl.models.registry import build_model
from jaxdl.train import precision
from jaxdl.train import steps as steps_lib
from jaxdl.train.config_check import (require, require_choice, require_int, require_range)
from jaxdl.train.loop import train_and_evaluate
from jaxdl.viz.summaries import SummaryWriter


@dataclasses.dataclass
class DetectionResult:
  """What `run` returns."""

  ap: dict[str, dict[str, float]]  # split -> class name (and 'mAP') -> AP@0.5
  table: str  # Markdown per-class AP table
  train_table: str  # the core's per-split loss / assigned-slot error table
  anchors: np.ndarray  # [A, 2] (width, height) relative to the image
  mean_anchor_iou: float  # average best-anchor IoU of the training boxes
  png: str  # test images with predicted boxes
  run: object  # the core's RunResult


def check_config(config) -> None:
  """Every field of launch/configs/detect.py; raises ConfigError before any data."""
  require(
      isinstance(config.dataset, str) and bool(config.dataset),
      'dataset',
      config.dataset,
      "must be 'detection_shapes' (generated), 'voc/2007' or a " 'registered detection dataset',
  )
  g = config.generator
  if config.dataset == 'detection_shapes':
    sizes = dict(g.sizes)
    require(
        set(sizes) == {'train', 'dev', 'test'},
        'generator.sizes',
        sizes,
        'must map train, dev and test to image counts',
    )
    for split, n in sizes.items():
      require_int(f'generator.sizes.{split}', n, 1)
    require(
        sizes['train'] >= config.batch_size,
        'generator.sizes.train',
        sizes['train'],
        f'must be >= batch_size ({config.batch_size}): training needs one full batch',
    )
    require_int('generator.min_size', g.min_size, 1)
    require_int('generator.max_size', g.max_size, g.min_size)
    require(
        g.max_size <= g.image_size,
        'generator.max_size',
        g.max_size,
        f'must be <= generator.image_size ({g.image_size})',
    )
    require_range('generator.max_overlap', g.max_overlap, 0, 1)
  require_int('generator.image_size', g.image_size, 1)
  require_int('generator.max_objects', g.max_objects, 1)

  require_choice('model', config.model, ('tiny_yolo',))
  checks.check_model_kwargs(
      config.model_kwargs, checks.model_class(config.model), reserved=('num_classes', 'num_anchors')
  )
  pools = config.model_kwargs.get('num_pools', 3)
  require_int('model_kwargs.num_pools', pools, 0, len(config.model_kwargs.get('widths', (0,) * 5)))
  require(
      g.image_size % 2**pools == 0,
      'generator.image_size',
      g.image_size,
      f'must be divisible by 2**model_kwargs.num_pools ({2**pools}): the YOLO grid',
  )

  y = config.yolo
  anchors = tuple(y.anchors)
  if anchors:
    require(
        len(anchors) % 2 == 0 and all(isinstance(a, (int, float)) and 0 < a <= 1 for a in anchors),
        'yolo.anchors',
        anchors,
        'must be () for k-means or flat (w1, h1, w2, h2, ...) sizes in (0, 1] of the image',
    )
  else:
    require_int('yolo.num_anchors', y.num_anchors, 1)
    if config.dataset == 'detection_shapes':
      require(
          y.num_anchors <= g.sizes['train'],
          'yolo.num_anchors',
          y.num_anchors,
          f'must be <= the training images ({g.sizes["train"]}): k-means needs a box ' 'per anchor',
      )
  require_range('yolo.lambda_coord', y.lambda_coord, 0)
  require_range('yolo.lambda_noobj', y.lambda_noobj, 0)
  require_choice('yolo.confidence_loss', y.confidence_loss, yolo.CONFIDENCE_LOSSES)
  checks.check_augment(config.augment, 'augment', boxes=True)

  ev = config.evaluation
  require_range('evaluation.score_threshold', ev.score_threshold, 0, 1)
  require_range('evaluation.nms_iou_threshold', ev.nms_iou_threshold, 0, 1)
  require_range('evaluation.match_iou_threshold', ev.match_iou_threshold, 0, 1, low_open=True)
  require_int('evaluation.max_outputs', ev.max_outputs, 1)
  require_int('evaluation.batch_size', ev.batch_size, 1)
  require_int('evaluation.num_plot', ev.num_plot, 0)
  require_range('evaluation.plot_score_threshold', ev.plot_score_threshold, 0, 1)
  checks.check_core_fields(config)


def load(config):
  """The configured dataset: generated (config.generator), TFDS VOC, or a registry name."""
  if config.dataset == 'detection_shapes':
    g = config.generator
    return data_lib.make_dataset(
        config.seed,
        dict(g.sizes),
        image_size=g.image_size,
        max_objects=g.max_objects,
        min_size=g.min_size,
        max_size=g.max_size,
        max_overlap=g.max_overlap,
    )
  if config.dataset.startswith('voc/'):  # online: TFDS download or a prepared data_dir
    from jaxdl.detection import voc

    return voc.load_voc(
        config.dataset,
        image_size=config.generator.image_size,
        max_objects=config.generator.max_objects,
        data_dir=config.data.get('data_dir') or None,
        allow_download=config.data.get('allow_download', True),
    )
  return load_dataset(config.dataset, seed=config.seed, fractions=tuple(config.data.fractions))


def choose_anchors(split, yolo_config, seed):
  """k-means anchors on the split's real boxes (notes 4.11.6), or the configured ones."""
  b = split['boxes'][split['box_mask'].astype(bool)]
  sizes = np.stack([b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], axis=1)
  if len(yolo_config.anchors):
    anchors = np.asarray(yolo_config.anchors, np.float32).reshape(-1, 2)
    return anchors, anchors_lib.mean_best_iou(sizes, anchors)
  return anchors_lib.kmeans_anchors(sizes, yolo_config.num_anchors, seed=seed)


def detect_split(
    state, split, task, anchors, *, batch_size, max_outputs, score_threshold, iou_threshold
):
  """Runs model + decode + NMS over a split; returns per-image detection dicts."""
  predict = _jit_predict(task)
  dets = []
  images = split[task.input_key]
  for i in range(0, len(images), batch_size):
    chunk = images[i : i + batch_size]
    n = len(chunk)
    if n < batch_size:  # pad the last batch: one compiled shape for every call
      chunk = np.concatenate([chunk, np.zeros((batch_size - n,) + chunk.shape[1:], chunk.dtype)])
    r = yolo.detect(
        predict(state, jnp.asarray(chunk)),
        anchors,
        max_outputs=max_outputs,
        score_threshold=score_threshold,
        iou_threshold=iou_threshold,
    )
    dets += map_lib.from_padded(
        *(np.asarray(x)[:n] for x in (r.boxes, r.scores, r.classes, r.count))
    )
  return dets


@functools.lru_cache(maxsize=8)
def _jit_predict(task):
  return jax.jit(functools.partial(steps_lib.predict, task=task))


def format_ap_table(ap, class_names, gt_counts):
  """Markdown: class | objects (test) | AP@0.5 per split; last row mAP."""
  splits = list(ap)
  lines = [
      '| class | test objects | ' + ' | '.join(f'AP@0.5 {s}' for s in splits) + ' |',
      '|---|---:|' + '---:|' * len(splits),
  ]
  for name in class_names:
    lines.append(
        f'| {name} | {gt_counts[name]} | ' + ' | '.join(f'{ap[s][name]:.3f}' for s in splits) + ' |'
    )
  lines.append(
      '| **mAP** | '
      + f'{sum(gt_counts.values())} | '
      + ' | '.join(f'**{ap[s]["mAP"]:.3f}**' for s in splits)
      + ' |'
  )
  return '\n'.join(lines)


def run(config, workdir):
  """Trains and evaluates a YOLO detector; see the module docstring."""
  check_config(config)
  dataset = load(config)
  info = dataset.info
  names = info.class_names or tuple(str(c) for c in range(info.num_classes))
  train = dataset.splits['train']
  anchors, mean_iou = choose_anchors(train, config.yolo, config.seed)
  model = build_model(
      config.model,
      info.num_classes,
      num_anchors=len(anchors),
      dtype=precision.model_dtype(config),
      **config.model_kwargs,
  )
  out_shape = jax.eval_shape(
      lambda x: model.init_with_output(jax.random.key(0), x)[0],
      jax.ShapeDtypeStruct((1,) + train['image'].shape[1:], jnp.float32),
  ).shape
  y = config.yolo
  task = yolo_task(
      grid_size=out_shape[1],
      anchors=anchors,
      num_classes=info.num_classes,
      lambda_coord=y.lambda_coord,
      lambda_noobj=y.lambda_noobj,
      confidence_loss=y.confidence_loss,
  )
  augment_fn = (
      make_augment_fn(config.augment.to_dict(), boxes_key='boxes', box_mask_key='box_mask')
      if len(config.augment)
      else None
  )
  result = train_and_evaluate(
      config, workdir, dataset=dataset, model=model, task=task, augment_fn=augment_fn
  )

  ev = config.evaluation
  ap, dets_by_split = {}, {}
  for split_name in ('dev', 'test'):
    split = dataset.splits[split_name]
    dets = detect_split(
        result.state,
        split,
        task,
        anchors,
        batch_size=ev.batch_size,
        max_outputs=ev.max_outputs,
        score_threshold=ev.score_threshold,
        iou_threshold=ev.nms_iou_threshold,
    )
    gts = map_lib.ground_truth_from_padded(split['boxes'], split['labels'], split['box_mask'])
    mean, per_class = map_lib.mean_average_precision(
        dets, gts, info.num_classes, ev.match_iou_threshold
    )
    ap[split_name] = {**dict(zip(names, per_class.tolist())), 'mAP': mean}
    dets_by_split[split_name] = (dets, gts)
  test = dataset.splits['test']
  real = test['labels'][test['box_mask'].astype(bool)]
  table = format_ap_table(ap, names, {n: int((real == c).sum()) for c, n in enumerate(names)})

  writer = SummaryWriter(workdir)
  writer.scalars(
      int(result.state.step),
      {f'final/{s}/AP50_{k}': v for s, m in ap.items() for k, v in m.items()},
  )
  writer.close()
  with open(os.path.join(workdir, 'detection_ap.md'), 'w') as f:
    f.write(
        f'anchors (w, h) / image: {np.round(anchors.astype(float), 3).tolist()}, mean best IoU {mean_iou:.3f}\n\n'
    )
    f.write(table + '\n')
  png = os.path.join(workdir, 'test_detections.png')
  dets, gts = dets_by_split['test']
  n = min(ev.num_plot, len(dets))
  shown = [{k: v[d['scores'] >= ev.plot_score_threshold] for k, v in d.items()} for d in dets[:n]]
  plot.draw_detections(png, test['image'][:n], shown, names, gts[:n])
  return DetectionResult(
      ap=ap,
      table=table,
      train_table=result.table,
      anchors=anchors,
      mean_anchor_iou=mean_iou,
      png=png,
      run=result,
  )


def report(result: DetectionResult, workdir: str) -> str:
  """What launch/detect.py prints: training, anchors, per-class AP, the PNG."""
  del workdir  # the PNG's path says where
  return '\n'.join(
      [
          'training (error = objects missed at their assigned grid slot):',
          result.train_table,
          f'\nanchors (w, h) / image: {result.anchors.astype(float).round(3).tolist()} '
          f'(mean best IoU with train boxes {result.mean_anchor_iou:.3f})',
          '\nVOC all-point AP@0.5:',
          result.table,
          f'\ntest images with predicted boxes: {result.png}',
      ]
  )
