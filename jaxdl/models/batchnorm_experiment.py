"""With vs without batch normalisation: steps to a target loss (notes 2.12).

The same MLP (the core's ``jaxdl.models.mlp.MLP``), data, optimizer and
learning rate, trained with the core loop three ways: no BN, BN before the
activation (the notes' placement, on z), BN after it. The loop evaluates
the train set in evaluation mode (BN running averages) every
``eval_every_steps``; the table reports the first evaluated step whose train
loss is at or below the target, so its resolution is eval_every_steps.
Statistics in training mode are those of the global batch (the step is one
SPMD program over the data mesh; tests/test_batchnorm.py checks it).
"""

from __future__ import annotations

import copy
import dataclasses
import os

import numpy as np

from jaxdl import experiment_checks as checks
from jaxdl.train.config_check import require, require_range
from jaxdl.train.loop import load_configured_dataset
from jaxdl.train.loop import train_and_evaluate
from jaxdl.viz.curves import plot_curves

VARIANTS = {
    "no_bn": dict(batchnorm=False),
    "bn_before": dict(batchnorm=True, bn_position="before"),
    "bn_after": dict(batchnorm=True, bn_position="after"),
}


@dataclasses.dataclass
class BatchNormResult:
  """steps: variant -> first step at the target (None: not reached)."""

  steps: dict
  final: dict  # variant -> split -> metric -> value
  history: dict  # variant -> core history
  table: str


def steps_to_target(history, target, key="train/loss"):
  """First recorded step with history[key] <= target, or None."""
  for step, value in zip(history.get("step", []), history.get(key, [])):
    if value <= target:
      return int(step)
  return None


def check_config(config):
  """Every field of launch/configs/batchnorm.py; raises ConfigError before any data."""
  cls = checks.model_class(config.model)
  require(
      "batchnorm" in checks.model_fields(cls),
      "model",
      config.model,
      "must have a batchnorm field (e.g. mlp, cnn)",
  )
  checks.check_model_kwargs(config.model_kwargs, cls)
  checks.check_core_fields(config)
  checks.require_names("batchnorm.variants", config.batchnorm.variants, VARIANTS)
  require_range("batchnorm.target_loss", config.batchnorm.target_loss, 0, low_open=True)


def run(config, workdir):
  """Trains every variant in config.batchnorm.variants.

  Args:
    config: launch/configs/batchnorm.py (a train config + ``batchnorm``).
    workdir: one sub-directory per variant, batchnorm.md, batchnorm_loss.png.

  Returns:
    BatchNormResult.
  """
  check_config(config)
  os.makedirs(workdir, exist_ok=True)
  dataset = load_configured_dataset(config)
  target = config.batchnorm.target_loss
  steps, final, history = {}, {}, {}
  for name in config.batchnorm.variants:
    if name not in VARIANTS:
      raise ValueError(
          f"config.batchnorm.variants entry {name!r}; accepted: " f"{', '.join(VARIANTS)}"
      )
    cfg = copy.deepcopy(config)
    cfg.unlock()
    cfg.model_kwargs.update(VARIANTS[name])
    result = train_and_evaluate(cfg, os.path.join(workdir, name), dataset=dataset)
    history[name] = result.history
    final[name] = result.final
    steps[name] = steps_to_target(result.history, target)
  lines = [
      f"| variant | steps to train loss {target} | final train loss | " "final dev error |",
      "|---|---:|---:|---:|",
  ]
  for name in steps:
    s = "never" if steps[name] is None else str(steps[name])
    lines.append(
        f"| {name} | {s} | {final[name]['train']['loss']:.4f} | "
        f"{100 * final[name]['dev']['error']:.2f}% |"
    )
  table = "\n".join(lines)
  with open(os.path.join(workdir, "batchnorm.md"), "w") as f:
    f.write(table + "\n")
  plot_curves(
      {name: (h["step"], np.maximum(h["train/loss"], 1e-6)) for name, h in history.items()},
      os.path.join(workdir, "batchnorm_loss.png"),
      ylabel="train loss (eval mode)",
      logy=True,
      title="with vs without batch norm (notes 2.12)",
  )
  return BatchNormResult(steps=steps, final=final, history=history, table=table)


def report(result: BatchNormResult, workdir: str) -> str:
  """What launch/batchnorm.py prints: the table and where the files are."""
  return f"{result.table}\nbatchnorm.md and batchnorm_loss.png in {workdir}"
