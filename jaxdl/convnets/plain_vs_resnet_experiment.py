"""The notes' 4.9 claim, measured: deeper plain nets train worse, residual nets do not.

For each depth, a CIFAR-style ResNet and its plain twin (same layers, same
parameter count, no skip connections) are trained with the same data, steps,
optimizer and seed. The quantity compared is the *training* error (evaluated
on the training set in eval mode), because the claim is about optimisation,
not over-fitting: He et al.'s Fig. 1/6 show a 56-layer plain net with higher
training error than a 20-layer one, while the ResNet's error falls with depth.
"""

from __future__ import annotations

import dataclasses
import os

from absl import logging

from jaxdl import experiment_checks as checks
from jaxdl.convnets.classify_experiment import resize_dataset
from jaxdl.models.zoo.cifar_resnet import CifarResNet
from jaxdl.train import loop
from jaxdl.train.config_check import require, require_choice, require_int, require_range
from jaxdl.viz.curves import plot_curves
from jaxdl.viz.summaries import SummaryWriter


@dataclasses.dataclass
class Row:
  """One trained network."""

  depth: int  # weighted layers, 6n + 2
  residual: bool  # skip connections on
  train_error: float  # final error on the training set, eval mode
  train_loss: float  # final loss on the training set, eval mode
  dev_error: float  # final dev error
  steps: list[int]  # evaluation steps
  train_error_curve: list[float]  # train error at each evaluation


@dataclasses.dataclass
class Result:
  rows: list[Row]
  table: str  # Markdown table, one line per depth
  plain_degrades: bool  # deepest plain net trains worse than the shallowest
  residual_holds: bool  # deepest ResNet trains no worse (within tolerance)


def format_table(rows: list[Row]) -> str:
  """depth | plain train error | ResNet train error | plain dev | ResNet dev."""
  by = {(r.depth, r.residual): r for r in rows}
  lines = [
      '| depth | plain train error | ResNet train error | plain train loss '
      '| ResNet train loss | plain dev error | ResNet dev error |',
      '|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for depth in sorted({r.depth for r in rows}):
    p, q = by[(depth, False)], by[(depth, True)]
    lines.append(
        f'| {depth} | {100 * p.train_error:.2f}% | '
        f'{100 * q.train_error:.2f}% | {p.train_loss:.4f} | '
        f'{q.train_loss:.4f} | {100 * p.dev_error:.2f}% | '
        f'{100 * q.dev_error:.2f}% |'
    )
  return '\n'.join(lines)


def judge(rows: list[Row], tolerance: float) -> tuple[bool, bool]:
  """(plain error rises from shallowest to deepest, ResNet's does not by > tol)."""
  depths = sorted({r.depth for r in rows})
  by = {(r.depth, r.residual): r.train_error for r in rows}
  lo, hi = depths[0], depths[-1]
  return (by[(hi, False)] > by[(lo, False)], by[(hi, True)] <= by[(lo, True)] + tolerance)


def check_config(config) -> None:
  """Every field of launch/configs/plain_vs_resnet.py; raises ConfigError before any data."""
  exp = config.experiment
  depths = tuple(exp.depths)
  require(
      len(set(depths)) >= 2
      and all(isinstance(d, int) and d >= 8 and (d - 2) % 6 == 0 for d in depths),
      'experiment.depths',
      depths,
      'must be at least two distinct depths 6n + 2 with ' 'n >= 1 (8, 14, 20, 56, ...)',
  )
  require_int('experiment.width', exp.width, 1)
  require_choice('experiment.shortcut', exp.shortcut, ('A', 'B'))
  require_range('experiment.tolerance', exp.tolerance, 0, 1)
  require_int('image_size', config.image_size, 0)
  checks.check_core_fields(config)


def run(config, workdir: str) -> Result:
  """Trains plain and residual nets at each of config.experiment.depths.

  Args:
    config: launch/configs/plain_vs_resnet.py's ConfigDict.
    workdir: one sub-directory per network (its checkpoints, curves,
      TensorBoard events), plus plain_vs_resnet.png/.md and summary scalars.

  Returns:
    Result with the table and the two verdicts.
  """
  check_config(config)
  exp = config.experiment
  dataset = loop.load_configured_dataset(config)
  if config.image_size:
    dataset = resize_dataset(dataset, config.image_size)
  rows = []
  for depth in exp.depths:
    for residual in (False, True):
      name = f'{"resnet" if residual else "plain"}{depth}'
      model = CifarResNet(
          depth=depth,
          num_classes=dataset.info.num_classes,
          width=exp.width,
          residual=residual,
          shortcut=exp.shortcut,
      )
      logging.info('training %s', name)
      res = loop.train_and_evaluate(
          config, os.path.join(workdir, name), dataset=dataset, model=model
      )
      rows.append(
          Row(
              depth,
              residual,
              res.final['train']['error'],
              res.final['train']['loss'],
              res.final['dev']['error'],
              list(res.history.get('step', [])),
              list(res.history.get('train/error', [])),
          )
      )
  table = format_table(rows)
  plain_degrades, residual_holds = judge(rows, exp.tolerance)
  os.makedirs(workdir, exist_ok=True)
  with open(os.path.join(workdir, 'plain_vs_resnet.md'), 'w') as f:
    f.write(table + '\n')
  plot_curves(
      {
          f'{"ResNet" if r.residual else "plain"}-{r.depth}': (r.steps, r.train_error_curve)
          for r in rows
          if r.steps
      },
      os.path.join(workdir, 'plain_vs_resnet.png'),
      ylabel='training error',
      title='plain vs residual: training error (notes 4.9)',
  )
  writer = SummaryWriter(workdir)
  for r in rows:
    kind = 'resnet' if r.residual else 'plain'
    writer.scalars(
        r.depth, {f'{kind}/train_error': r.train_error, f'{kind}/dev_error': r.dev_error}
    )
  writer.close()
  return Result(rows, table, plain_degrades, residual_holds)


def report(result: Result, workdir: str) -> str:
  """What launch/plain_vs_resnet.py prints: the table, the verdict, the files."""
  return '\n'.join(
      [
          result.table,
          f'plain error grows with depth: {result.plain_degrades}; '
          f'ResNet error does not: {result.residual_holds}',
          f'plain_vs_resnet.png/.md and per-network runs in {workdir}',
      ]
  )
