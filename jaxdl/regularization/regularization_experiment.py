"""The regularisation experiment (notes 2.2-2.3): fight variance on a small train set.

Each variant trains the same over-sized MLP on a small slice of the digits
with the core loop and changes one thing:

  none            plain training: overfits (train error ~0, dev error high)
  l2              + lambda / (2 m) sum ||W||^2 on the kernels (2.3.1)
  dropout         + inverted dropout with keep_prob (2.3.2)
  augment         + on-device shifts / affine distortions (2.3.3.1)
  early_stopping  stop when dev error stops improving, keep the best (2.3.3.2)
  all             all of the above

The table gives train and dev error, their gap and the bias/variance reading
(2.2): bias ~ train error (human error ~0 on digits), variance ~ dev - train.
"""

from __future__ import annotations

import copy
import dataclasses
import os

import jax
import numpy as np

from jaxdl import augment
from jaxdl import experiment_checks as checks
from jaxdl.regularization import l2 as l2_lib
from jaxdl.train.config_check import require, require_int, require_range
from jaxdl.train.loop import RunResult
from jaxdl.train.loop import load_configured_dataset
from jaxdl.train.loop import train_and_evaluate
from jaxdl.train.task import classification_task

VARIANTS = ("none", "l2", "dropout", "augment", "early_stopping", "all")


@dataclasses.dataclass
class RegularizationResult:
  """errors: variant -> split -> error; runs: variant -> RunResult; table."""

  errors: dict
  runs: dict
  table: str


def variant_parts(name, config, num_classes):
  """(train config, task, augment_fn) for one variant.

  Args:
    name: a VARIANTS entry.
    config: the experiment config (a train config + ``regularization``).
    num_classes: classes of the dataset (for the classification task).

  Returns:
    (ConfigDict, Task, augment_fn or None).
  """
  if name not in VARIANTS:
    raise ValueError(
        f"config.regularization.variants entry {name!r}; " f"accepted: {', '.join(VARIANTS)}"
    )
  reg = config.regularization
  cfg = copy.deepcopy(config)
  cfg.unlock()
  task = classification_task(num_classes)
  augment_fn = None
  if name in ("l2", "all"):
    lambd, input_key = reg.l2_lambda, task.input_key
    # m = the batch the data loss averages over (notes 2.3.1's m).
    task = dataclasses.replace(
        task,
        regularizer=lambda params, batch: (
            l2_lib.l2_cost(params, lambd, batch[input_key].shape[0])
        ),
    )
  if name in ("dropout", "all"):
    cfg.model_kwargs.keep_prob = reg.keep_prob
  if name in ("augment", "all"):
    augment_fn = augment.make_augment_fn(reg.augment.to_dict())
  if name in ("early_stopping", "all"):
    cfg.early_stopping.patience = reg.patience
    cfg.early_stopping.metric = "dev/error"
  return cfg, task, augment_fn


def check_config(config):
  """Every field of launch/configs/regularization.py; raises ConfigError before any data."""
  cls = checks.model_class(config.model)
  checks.check_model_kwargs(config.model_kwargs, cls)
  checks.check_core_fields(config)
  reg = config.regularization
  checks.require_names("regularization.variants", reg.variants, VARIANTS)
  if {"dropout", "all"} & set(reg.variants):
    require(
        "keep_prob" in checks.model_fields(cls),
        "model",
        config.model,
        "must have a keep_prob field for the dropout variants " "(e.g. mlp, cnn)",
    )
  require_range("regularization.l2_lambda", reg.l2_lambda, 0)
  require_range("regularization.keep_prob", reg.keep_prob, 0, 1, low_open=True)
  require_int("regularization.patience", reg.patience, 1)
  checks.check_augment(reg.augment, "regularization.augment")


def reading(train_error, dev_error, tolerance=0.02):
  """The 2.2 reading with human error ~0: which of bias / variance dominates."""
  bias, variance = train_error, dev_error - train_error
  if max(bias, variance) < tolerance:
    return "low bias, low variance"
  return "high variance" if variance >= bias else "high bias"


def format_table(errors):
  """Markdown: variant | train | dev | gap (dev - train) | reading."""
  lines = [
      "| variant | train error | dev error | gap dev-train | reading |",
      "|---|---:|---:|---:|---|",
  ]
  for name, e in errors.items():
    lines.append(
        f"| {name} | {100 * e['train']:.2f}% | {100 * e['dev']:.2f}% "
        f"| {100 * (e['dev'] - e['train']):+.2f} | "
        f"{reading(e['train'], e['dev'])} |"
    )
  return "\n".join(lines)


def plot_curves_grid(runs, path):
  """One panel per variant: train and dev error against the step."""
  import matplotlib

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt

  names = list(runs)
  cols = min(3, len(names))
  rows = -(-len(names) // cols)
  fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False, sharey=True)
  for ax, name in zip(axes.ravel(), names):
    h = runs[name].history
    for split in ("train", "dev"):
      if f"{split}/error" in h:
        ax.plot(h["step"], 100 * np.asarray(h[f"{split}/error"]), label=split)
    ax.set_title(name)
    ax.set_xlabel("step")
    ax.grid(alpha=0.3)
  axes[0, 0].set_ylabel("error (%)")
  axes[0, 0].legend()
  for ax in axes.ravel()[len(names) :]:
    ax.axis("off")
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  plt.close(fig)


def plot_augmented_grid(images, augment_fn, path, *, copies=5, seed=0):
  """Originals in the first column, augmented draws to the right.

  Args:
    images: [N, H, W, 1] training images in [0, 1].
    augment_fn: (batch, rng) -> batch.
    path: PNG path.
    copies: augmented versions per image.
    seed: PRNG seed.
  """
  import matplotlib

  matplotlib.use("Agg")
  import matplotlib.pyplot as plt

  fn = jax.jit(augment_fn)
  draws = [
      np.asarray(fn({"image": images}, jax.random.key(seed + i))["image"]) for i in range(copies)
  ]
  n = images.shape[0]
  fig, axes = plt.subplots(n, copies + 1, figsize=(1.2 * (copies + 1), 1.2 * n))
  for r in range(n):
    for c, img in enumerate([images] + draws):
      axes[r, c].imshow(img[r, ..., 0], cmap="gray_r", vmin=0, vmax=1)
      axes[r, c].set_xticks([])
      axes[r, c].set_yticks([])
  axes[0, 0].set_title("original", fontsize=8)
  for c in range(1, copies + 1):
    axes[0, c].set_title(f"draw {c}", fontsize=8)
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  plt.close(fig)


def run(config, workdir):
  """Trains every configured variant; writes table, curves and augmentations.

  Args:
    config: launch/configs/regularization.py.
    workdir: one sub-directory per variant, plus regularization.md,
      regularization_curves.png and augmented_examples.png.

  Returns:
    RegularizationResult.
  """
  check_config(config)
  os.makedirs(workdir, exist_ok=True)
  dataset = load_configured_dataset(config)
  errors, runs = {}, {}
  for name in config.regularization.variants:
    cfg, task, augment_fn = variant_parts(name, config, dataset.info.num_classes)
    result: RunResult = train_and_evaluate(
        cfg, os.path.join(workdir, name), dataset=dataset, task=task, augment_fn=augment_fn
    )
    runs[name] = result
    errors[name] = {s: m["error"] for s, m in result.final.items()}
  table = format_table(errors)
  with open(os.path.join(workdir, "regularization.md"), "w") as f:
    f.write(table + "\n")
  plot_curves_grid(runs, os.path.join(workdir, "regularization_curves.png"))
  plot_augmented_grid(
      dataset.splits["train"]["image"][:6],
      augment.make_augment_fn(config.regularization.augment.to_dict()),
      os.path.join(workdir, "augmented_examples.png"),
  )
  return RegularizationResult(errors=errors, runs=runs, table=table)


def report(result: RegularizationResult, workdir: str) -> str:
  """What launch/regularization.py prints: the table and the files."""
  return (
      f"{result.table}\nregularization.md, regularization_curves.png, "
      f"augmented_examples.png in {workdir}"
  )
