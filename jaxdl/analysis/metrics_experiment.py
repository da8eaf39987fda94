"""The section-3 metric tools end to end on the embedded digits (notes 3.2, 3.3, 3.6).

Three parts, all scored on the dev split:

1. F1 as the single-number evaluation metric (3.2): every model below is
   ranked by its dev F1 (`config.f1_average`, macro over the 10 digits).
2. Model selection (3.3): one-hidden-layer MLPs of `config.selection.widths`
   are trained with the core loop; each one's parameter count and inference
   latency on this machine (median ms per batch) are measured, and
   `select_model` optimizes dev F1 with and without the satisficing limits.
3. Weighted error (3.6): examples of `config.weighted.tagged_class` weigh
   `config.weighted.weight`, the others 1. The same MLP is trained once with
   the plain loss and once with the weights in the loss, and both are scored
   with the plain and the weighted error and the misses of the tagged class.

Each training run has its own sub-directory of the workdir (resumable like
any core run); the candidates' latencies are measured afresh on every call.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdl import experiment_checks as checks
from jaxdl.analysis import metrics
from jaxdl.analysis.selection import Selection, format_selection, select_model
from jaxdl.data.dataset import Dataset
from jaxdl.train import loop
from jaxdl.train import steps
from jaxdl.train.config_check import require, require_choice, require_int, require_range
from jaxdl.train.task import Task, classification_task

# Fields of launch/configs/metrics.py that the core loop does not read; they
# are left out of each run's recorded config, so that changing a limit or the
# latency settings reuses the trained runs.
EXPERIMENT_FIELDS = ('f1_average', 'selection', 'weighted')
F1_AVERAGES = ('macro', 'micro', 'weighted')


@dataclasses.dataclass
class MetricsResult:
  """What `run` returns; every figure of the report comes from these fields."""

  labels: np.ndarray  # [n_dev] true dev classes
  predictions: dict[str, np.ndarray]  # run name -> [n_dev] predicted dev classes
  candidates: dict[str, dict[str, float]]  # name -> {'dev_f1', 'ms', 'params'}
  satisficing: dict[str, tuple[str, float]]  # metric -> (op, threshold); {} = no limit
  unconstrained: Selection  # best dev F1 among all candidates
  constrained: Selection  # best dev F1 among those meeting `satisficing`
  weights: np.ndarray  # [n_dev] w(i) of the weighted error
  weighted: dict[str, dict[str, float]]  # 'plain'/'weighted' -> error, weighted_error, misses
  num_classes: int
  f1_average: str
  tagged_class: int
  tag_weight: float
  latency_batch: int  # rows per timed batch


def weighted_classification_task(
    num_classes: int,
    weight_key: str = 'weight',
    label_key: str = 'label',
    input_key: str = 'image',
) -> Task:
  """Softmax cross-entropy weighted per example by ``batch[weight_key]`` (notes 3.6).

  loss = Σ w(i)·mask(i)·L(i) / Σ w(i)·mask(i): the weighted error's
  normalisation, with the cross-entropy L in place of 1[ŷ ≠ y]. Metrics:
  'loss' (that weighted mean), 'error' and 'accuracy' (unweighted) and
  'weighted_error', all as exact (sum, count) pairs.
  """

  def loss_fn(logits, batch):
    labels = batch[label_key]
    if logits.shape[-1] != num_classes:
      raise ValueError(f'model outputs {logits.shape[-1]} classes, dataset has {num_classes}')
    mask = batch.get('mask', jnp.ones(labels.shape[0], jnp.float32))
    weights = batch[weight_key].astype(jnp.float32) * mask
    losses = optax.softmax_cross_entropy_with_integer_labels(logits, labels)
    wrong = (jnp.argmax(logits, -1) != labels).astype(jnp.float32)
    total_weight = weights.sum()
    count = mask.sum()
    loss = (losses * weights).sum() / jnp.maximum(total_weight, 1e-12)
    return loss, {
        'loss': ((losses * weights).sum(), total_weight),
        'error': ((wrong * mask).sum(), count),
        'accuracy': (((1 - wrong) * mask).sum(), count),
        'weighted_error': ((wrong * weights).sum(), total_weight),
    }

  return Task(loss_fn=loss_fn, input_key=input_key)


def example_weights(labels: np.ndarray, tagged_class: int, weight: float) -> np.ndarray:
  """[n] float32 w(i): `weight` for examples of `tagged_class`, 1 for the rest."""
  return np.where(np.asarray(labels) == tagged_class, weight, 1.0).astype(np.float32)


def with_weights(dataset: Dataset, tagged_class: int, weight: float) -> Dataset:
  """Every split with a 'weight' feature (host-side numpy) from its labels."""
  key = dataset.info.label_key
  splits = {
      name: {**split, 'weight': example_weights(split[key], tagged_class, weight)}
      for name, split in dataset.splits.items()
  }
  return dataclasses.replace(dataset, splits=splits)


def check_config(config) -> None:
  """Every field of launch/configs/metrics.py; raises ConfigError before any data."""
  require(config.model == 'mlp', 'model', config.model, "must be 'mlp' (widths set per run)")
  require(
      'hidden' not in config.model_kwargs,
      'model_kwargs.hidden',
      config.model_kwargs.get('hidden'),
      'is set per run: use selection.widths and weighted.width',
  )
  checks.check_model_kwargs(config.model_kwargs, checks.model_class(config.model))
  checks.check_core_fields(config)
  require_choice('f1_average', config.f1_average, F1_AVERAGES)
  sel = config.selection
  checks.require_sizes('selection.widths', sel.widths)
  require(
      len(set(sel.widths)) == len(sel.widths), 'selection.widths', sel.widths, 'must be distinct'
  )
  require_int('selection.max_params', sel.max_params, 0)
  require_range('selection.max_ms', sel.max_ms, 0)
  require_int('selection.latency_batch', sel.latency_batch, 1)
  require_int('selection.latency_repeats', sel.latency_repeats, 1)
  w = config.weighted
  require_int('weighted.tagged_class', w.tagged_class, 0, 9)
  require_range('weighted.weight', w.weight, 0, low_open=True)
  checks.require_sizes('weighted.width', w.width)


def _run_config(config, width: int):
  """The core config of one run: the experiment's fields out, its width in."""
  c = config.copy_and_resolve_references()
  with c.unlocked():
    for field in EXPERIMENT_FIELDS:
      del c[field]
    c.model_kwargs.hidden = (width,)
  return c


def _on_one_device(state):
  # The trained state may be replicated over a mesh; inference is timed as
  # one device would serve it.
  return jax.device_put(jax.device_get(state), jax.devices()[0])


def count_params(state) -> int:
  """Number of trainable parameters."""
  return int(sum(np.size(leaf) for leaf in jax.tree.leaves(state.params)))


def latency_ms(predict_fn, state, inputs: np.ndarray, repeats: int) -> float:
  """Median wall time (ms) of one call on `inputs`, after a compiling call."""
  x = jax.device_put(inputs, jax.devices()[0])
  jax.block_until_ready(predict_fn(state, x))  # compile and warm up
  times = []
  for _ in range(repeats):
    start = time.perf_counter()
    jax.block_until_ready(predict_fn(state, x))
    times.append(time.perf_counter() - start)
  return float(np.median(times) * 1e3)


def _tile_rows(inputs: np.ndarray, n: int) -> np.ndarray:
  reps = -(-n // len(inputs))
  return np.concatenate([inputs] * reps)[:n]


def dev_f1(predictions, labels, num_classes: int, average: str) -> float:
  confusion = metrics.confusion_matrix(predictions, labels, num_classes)
  return metrics.precision_recall_f1(confusion, average=average)['f1']


def run(config, workdir: str) -> MetricsResult:
  """Trains the candidates and the weighted pair; measures and selects.

  Args:
    config: launch/configs/metrics.py's ConfigDict.
    workdir: output directory; one sub-directory per training run
      (mlp<width>, plain, weighted).

  Returns:
    MetricsResult.
  """
  check_config(config)
  w_cfg, sel = config.weighted, config.selection
  dataset = with_weights(loop.load_configured_dataset(config), w_cfg.tagged_class, w_cfg.weight)
  info = dataset.info
  num_classes = info.num_classes
  dev = dataset.splits['dev']
  dev_x = np.asarray(dev[info.input_key])
  labels = np.asarray(dev[info.label_key])
  plain_task = classification_task(num_classes, info.label_key, info.input_key)
  predict = jax.jit(functools.partial(steps.predict, task=plain_task))
  timed_x = _tile_rows(dev_x, sel.latency_batch)

  def train(name, width, task=None):
    result = loop.train_and_evaluate(
        _run_config(config, width), os.path.join(workdir, name), dataset=dataset, task=task
    )
    state = _on_one_device(result.state)
    return state, np.asarray(jnp.argmax(predict(state, dev_x), -1))

  predictions, candidates = {}, {}
  for width in sel.widths:
    name = f'mlp{width}'
    state, predictions[name] = train(name, width)
    candidates[name] = {
        'dev_f1': dev_f1(predictions[name], labels, num_classes, config.f1_average),
        'ms': latency_ms(predict, state, timed_x, sel.latency_repeats),
        'params': count_params(state),
    }
  satisficing = {}
  if sel.max_params:
    satisficing['params'] = ('<=', sel.max_params)
  if sel.max_ms:
    satisficing['ms'] = ('<=', sel.max_ms)
  unconstrained = select_model(candidates, 'dev_f1')
  constrained = select_model(candidates, 'dev_f1', satisficing)

  weights = example_weights(labels, w_cfg.tagged_class, w_cfg.weight)
  weighted = {}
  for name, task in (
      ('plain', None),
      (
          'weighted',
          weighted_classification_task(num_classes, 'weight', info.label_key, info.input_key),
      ),
  ):
    _, predictions[name] = train(name, w_cfg.width, task)
    weighted[name] = error_figures(predictions[name], labels, weights, w_cfg.tagged_class)
  return MetricsResult(
      labels=labels,
      predictions=predictions,
      candidates=candidates,
      satisficing=satisficing,
      unconstrained=unconstrained,
      constrained=constrained,
      weights=weights,
      weighted=weighted,
      num_classes=num_classes,
      f1_average=config.f1_average,
      tagged_class=w_cfg.tagged_class,
      tag_weight=float(w_cfg.weight),
      latency_batch=sel.latency_batch,
  )


def error_figures(predictions, labels, weights, tagged_class: int) -> dict[str, float]:
  """Plain error, weighted error (notes 3.6) and misses of the tagged class."""
  predictions, labels = np.asarray(predictions), np.asarray(labels)
  tagged = labels == tagged_class
  return {
      'error': float(np.mean(predictions != labels)),
      'weighted_error': metrics.weighted_error(predictions, labels, weights),
      'misses': int(np.sum(tagged & (predictions != tagged_class))),
      'tagged': int(np.sum(tagged)),
  }


def report(result: MetricsResult, workdir: str) -> str:
  """What launch/metrics.py prints: the three parts as short tables."""
  limits = ', '.join(f'{m} {op} {t:g}' for m, (op, t) in result.satisficing.items()) or 'none'
  n = len(result.labels)
  lines = [
      f'1. Single-number metric (notes 3.2): {result.f1_average} F1 over '
      f'{result.num_classes} classes on dev (n={n}); ms = median per batch of '
      f'{result.latency_batch} on {jax.devices()[0].platform}',
      '',
      format_selection(result.candidates, result.constrained),
      '',
      f'2. Selection (notes 3.3): optimizing dev_f1, satisficing {limits}',
      f'   without the limit: {_choice(result.unconstrained)}',
      f'   with the limit:    {_choice(result.constrained)}',
      '',
      f'3. Weighted error (notes 3.6): w = {result.tag_weight:g} for class '
      f'{result.tagged_class}, 1 otherwise (dev)',
      '',
      f'| Training | error | weighted error | misses of {result.tagged_class} |',
      '|---|---|---|---|',
  ]
  for name, e in result.weighted.items():
    lines.append(
        f'| {name} | {e["error"]:.2%} | {e["weighted_error"]:.2%} | '
        f'{e["misses"]} of {e["tagged"]} |'
    )
  lines += ['', f'runs (checkpoints, curves) in {workdir}']
  return '\n'.join(lines)


def _choice(selection: Selection) -> str:
  m = selection.metrics
  return f'{selection.name} (dev F1 {m["dev_f1"]:.4f}, {m["params"]:g} params, {m["ms"]:.3f} ms)'
