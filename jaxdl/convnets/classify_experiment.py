"""Any zoo model on any image dataset, with its layer table first (notes 4.7-4.10).

The table (layer -> activation shape -> size -> parameters) is printed and
saved before training, so a run's architecture is on record next to its
curves. Training itself is the core loop.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
from absl import logging

from jaxdl import experiment_checks as checks
from jaxdl.data.dataset import Dataset
from jaxdl.data.digits import resize_bilinear
from jaxdl.models import layer_table
from jaxdl.models.registry import build_model
from jaxdl.train import precision
from jaxdl.train import loop
from jaxdl.train.config_check import require_int


@dataclasses.dataclass
class ClassifyResult:
  """What `run` returns."""

  layer_table: str  # the formatted table
  num_params: int  # total parameters of the model
  run: loop.RunResult  # the core's result (final metrics, history, table)


def resize_dataset(dataset: Dataset, size: int) -> Dataset:
  """Host-side bilinear resize of every split's images to size x size."""
  key = dataset.info.input_key
  splits = {}
  for name, split in dataset.splits.items():
    images = np.asarray(split[key], np.float32)
    if images.ndim != 4:
      raise ValueError(f'image_size needs [N, H, W, C] images, got ' f'{images.shape}')
    splits[name] = {**split, key: resize_bilinear(images, size)}
  return dataclasses.replace(dataset, splits=splits)


def check_config(config) -> None:
  """Every field of launch/configs/classify.py; raises ConfigError before any data."""
  checks.check_model_kwargs(config.model_kwargs, checks.model_class(config.model))
  require_int('image_size', config.image_size, 0)
  checks.check_core_fields(config)


def run(config, workdir: str) -> ClassifyResult:
  """Prints the model's layer table, then trains and evaluates it.

  Args:
    config: launch/configs/classify.py's ConfigDict (the core train config
      plus `image_size`).
    workdir: output directory; layer_table.txt goes there too.

  Returns:
    ClassifyResult.
  """
  check_config(config)
  dataset = loop.load_configured_dataset(config)
  if config.image_size:
    dataset = resize_dataset(dataset, config.image_size)
  example = dataset.splits['train'][dataset.info.input_key]
  return ClassifyResult(
      *train_with_layer_table(config, workdir, dataset, f'{config.dataset} {example.shape[1:]}')
  )


def train_with_layer_table(config, workdir: str, dataset, title: str):
  """Builds config.model, prints and saves its layer table, trains it with the core.

  Returns:
    (layer table text, parameter count, the core's RunResult).
  """
  model = build_model(
      config.model,
      dataset.info.num_classes,
      dtype=precision.model_dtype(config),
      **config.model_kwargs,
  )
  example = dataset.splits['train'][dataset.info.input_key]
  rows = layer_table.layer_table(model, (1, *example.shape[1:]))
  table = layer_table.format_layer_table(rows)
  print(f'{config.model} on {title}:\n{table}', flush=True)
  os.makedirs(workdir, exist_ok=True)
  with open(os.path.join(workdir, 'layer_table.txt'), 'w') as f:
    f.write(table + '\n')
  logging.info('%s: %d parameters', config.model, layer_table.total_params(rows))
  result = loop.train_and_evaluate(config, workdir, dataset=dataset, model=model)
  return table, layer_table.total_params(rows), result


def report(result: ClassifyResult, workdir: str) -> str:
  """What launch/classify.py prints after the run (the layer table came first)."""
  return (
      f'{result.run.table}\n'
      f'layer table, curves, TensorBoard events and checkpoints in {workdir}'
  )
