"""Multi-task vs separate single-task models on the generated shapes (notes 3.15).

One network with four sigmoid heads on shared features, trained with the
masked loss on labels of which a share is missing, against four separate
networks, each trained on the examples where its one label is known. Same
architecture, optimizer and number of epochs; dev/test are fully labelled.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np

from jaxdl import experiment_checks as checks
from jaxdl.data.dataset import Dataset, DatasetInfo
from jaxdl.multitask import shapes
from jaxdl.multitask.loss import multilabel_task
from jaxdl.train.config_check import require_range
from jaxdl.train.loop import train_and_evaluate


@dataclasses.dataclass
class MultitaskResult:
  """errors: {'multi-task' | 'single-task': {split: {shape: error}}}; the printed table.

  num_train_labels: known training labels each side learnt from (the
  single-task count covers the shapes that got a separate model).
  """

  errors: dict[str, dict[str, dict[str, float]]]
  num_train_labels: dict[str, int]
  table: str


def shapes_dataset(config) -> Dataset:
  cfg = config.multitask
  splits, info = shapes.load(
      config.seed, (cfg.train_size, cfg.dev_size, cfg.test_size), cfg.missing_fraction
  )
  return Dataset('shapes', splits, info)


def single_task_dataset(dataset: Dataset, k: int) -> Dataset:
  """Dataset of head k alone: its present training labels; full dev/test."""
  name = dataset.info.class_names[k]
  splits = {s: shapes.single_task(split, k) for s, split in dataset.splits.items()}
  return Dataset(f'shapes_{name}', splits, DatasetInfo(num_classes=1, class_names=(name,)))


def format_table(errors, names) -> str:
  """Markdown: error per shape and model; the mean over the shapes both models have."""
  shared = [n for n in names if all(n in e['dev'] for e in errors.values())]
  lines = [
      '| split | model | ' + ' | '.join(names) + f' | mean ({len(shared)} shapes) |',
      '|---|---|' + '---:|' * (len(names) + 1),
  ]
  for split in ('dev', 'test'):
    for model, by_split in errors.items():
      cells = [f'{100 * by_split[split][n]:.2f}%' if n in by_split[split] else '-' for n in names]
      mean = float(np.mean([by_split[split][n] for n in shared]))
      lines.append(f'| {split} | {model} | ' + ' | '.join(cells) + f' | {100 * mean:.2f}% |')
  return '\n'.join(lines)


def check_config(config) -> None:
  """Every field of launch/configs/multitask.py; raises ConfigError before any data."""
  checks.check_model_kwargs(config.model_kwargs, checks.model_class(config.model))
  checks.check_core_fields(config)
  cfg = config.multitask
  checks.require_split_sizes('multitask.{}_size', cfg, 'train_size', config.batch_size)
  require_range('multitask.missing_fraction', cfg.missing_fraction, 0, 1, high_open=True)
  checks.require_names(
      'multitask.single_task_shapes', cfg.single_task_shapes, shapes.SHAPE_NAMES, allow_empty=True
  )


def run(config, workdir: str) -> MultitaskResult:
  """Trains the multi-task model and one model per shape; compares per-shape errors.

  Args:
    config: launch/configs/multitask.py.
    workdir: sub-directories multitask/ and single_<shape>/ (checkpoints,
      curves, TensorBoard) and multitask.md with the table.
  """
  check_config(config)
  dataset = shapes_dataset(config)
  names = list(dataset.info.class_names)
  unknown = [n for n in config.multitask.single_task_shapes if n not in names]
  if unknown:
    raise ValueError(f'config.multitask.single_task_shapes {unknown} not among {names}')
  multi = train_and_evaluate(
      config,
      os.path.join(workdir, 'multitask'),
      dataset=dataset,
      task=multilabel_task(len(names), task_names=names),
  )
  errors = {
      'multi-task': {s: {n: multi.final[s][f'error_{n}'] for n in names} for s in ('dev', 'test')},
      'single-task': {'dev': {}, 'test': {}},
  }
  labels = {'multi-task': int(dataset.splits['train']['label_mask'].sum()), 'single-task': 0}
  for k, name in enumerate(names):
    if name not in config.multitask.single_task_shapes:
      continue
    single = single_task_dataset(dataset, k)
    result = train_and_evaluate(
        config,
        os.path.join(workdir, f'single_{name}'),
        dataset=single,
        task=multilabel_task(1, task_names=(name,)),
    )
    for s in ('dev', 'test'):
      errors['single-task'][s][name] = result.final[s][f'error_{name}']
    labels['single-task'] += single.num_examples('train')
  table = format_table(errors, names)
  with open(os.path.join(workdir, 'multitask.md'), 'w') as f:
    f.write(table + '\n')
  return MultitaskResult(errors, labels, table)


def report(result: MultitaskResult, workdir: str) -> str:
  """What launch/multitask.py prints: errors per shape, labels used, the files."""
  num_models = len(next(iter(result.errors['single-task'].values())))
  return '\n'.join(
      [
          'error per shape (present/absent), over fully labelled dev and test:',
          result.table,
          f'\ntraining labels used: {result.num_train_labels}; 1 model vs {num_models} models',
          f'curves, TensorBoard events and multitask.md in {workdir}',
      ]
  )
