"""Classification metrics from exact counts (notes 3.2, 3.6).

Every metric here is computed from integer (or weight) *counts* that add across
batches and devices: a confusion matrix, a weighted (sum, count) pair, per-group
(errors, examples) counts. Counting inside the jitted step and summing the
counts on the host gives exactly the metric of the whole set; averaging
per-batch precisions would not (precision is a ratio of sums, not a sum of
ratios).

The counting functions use `jax.numpy`, so they run inside `jit` on sharded
batches (the sum over the 'data' axis is then global) and equally on numpy
arrays on the host. The functions that turn counts into metrics are numpy.
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence

import jax
import jax.numpy as jnp
import numpy as np

AVERAGES = ('binary', 'macro', 'micro', 'per_class', 'weighted')


def confusion_matrix(predictions, labels, num_classes: int, mask=None):
  """Counts of (true class, predicted class) pairs.

  Args:
    predictions: [n] int predicted class ids (e.g. argmax of logits).
    labels: [n] int true class ids in [0, num_classes).
    num_classes: number of classes C.
    mask: optional [n] bool/0-1; 0 marks padding that must not count (the
      evaluation pipeline pads the last batch).

  Returns:
    [C, C] int32 counts, rows = true class, columns = predicted class. Two
    batches' matrices add to the matrix of their union.
  """
  _check_count('num_classes', num_classes)
  predictions = jnp.asarray(predictions).reshape(-1)
  labels = jnp.asarray(labels).reshape(-1)
  if predictions.shape != labels.shape:
    raise ValueError(
        f'predictions {predictions.shape} and labels {labels.shape} ' 'must have the same length'
    )
  _check_range('predictions', predictions, num_classes)
  _check_range('labels', labels, num_classes)
  weight = (
      jnp.ones(labels.shape, jnp.int32)
      if mask is None
      else _flat_like('mask', mask, labels).astype(jnp.int32)
  )
  # One flat bincount: cell index = true * C + predicted.
  cells = labels.astype(jnp.int32) * num_classes + predictions.astype(jnp.int32)
  counts = jnp.zeros((num_classes * num_classes,), jnp.int32).at[cells].add(weight, mode='drop')
  return counts.reshape(num_classes, num_classes)


def accuracy(confusion) -> float:
  """Fraction correct: trace / total of a [C, C] confusion matrix."""
  confusion = _as_confusion(confusion)
  total = confusion.sum()
  if total == 0:
    raise ValueError('confusion matrix is empty (no examples counted)')
  return float(np.trace(confusion) / total)


def error(confusion) -> float:
  """Classification error 1 - accuracy (notes 3.6 unweighted)."""
  return 1.0 - accuracy(confusion)


def precision_recall_f1(confusion, average: str = 'macro', pos_label: int = 1):
  """Precision, recall and F1 from a confusion matrix (notes 3.2).

  precision = TP / (TP + FP): of the examples predicted class c, the share that
  are c. recall = TP / (TP + FN): of the examples of class c, the share found.
  F1 = 2 P R / (P + R), their harmonic mean (the single number of 3.2). A 0/0
  ratio counts as 0, as scikit-learn does with `zero_division=0`.

  Args:
    confusion: [C, C] counts (rows true, columns predicted).
    average: 'binary' (class `pos_label` only), 'per_class' ([C] arrays),
      'macro' (unweighted mean of the per-class values) or 'micro' (from the
      pooled TP/FP/FN; equals accuracy for single-label multi-class) or
      'weighted' (mean of the per-class values weighted by each class's
      support, the number of its true examples: scikit-learn's 'weighted';
      its F1 need not lie between its precision and recall).
    pos_label: the positive class for 'binary'.

  Returns:
    dict with 'precision', 'recall', 'f1': floats, or [C] arrays for 'per_class'.
  """
  if average not in AVERAGES:
    raise ValueError(f'average must be one of {AVERAGES}, got {average!r}')
  confusion = _as_confusion(confusion).astype(np.float64)
  tp = np.diag(confusion)
  fp = confusion.sum(axis=0) - tp
  fn = confusion.sum(axis=1) - tp
  if average == 'micro':
    tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
  precision = _safe_div(tp, tp + fp)
  recall = _safe_div(tp, tp + fn)
  f1 = _safe_div(2 * precision * recall, precision + recall)
  if average == 'binary':
    if not 0 <= pos_label < confusion.shape[0]:
      raise ValueError(f'pos_label must be in [0, {confusion.shape[0]}), got {pos_label}')
    precision, recall, f1 = precision[pos_label], recall[pos_label], f1[pos_label]
  elif average == 'macro':
    precision, recall, f1 = precision.mean(), recall.mean(), f1.mean()
  elif average == 'weighted':
    support = confusion.sum(axis=1)
    weights = _safe_div(support, np.full_like(support, support.sum()))
    precision, recall, f1 = (
        (weights * precision).sum(),
        (weights * recall).sum(),
        (weights * f1).sum(),
    )
  if average == 'per_class':
    return {'precision': precision, 'recall': recall, 'f1': f1}
  return {'precision': float(precision), 'recall': float(recall), 'f1': float(f1)}


def weighted_error_counts(predictions, labels, weights, mask=None):
  """(Σ w·1[ŷ≠y], Σ w) for the weighted error of notes 3.6.

  Args:
    predictions: [n] int predicted classes.
    labels: [n] int true classes.
    weights: [n] float >= 0, e.g. 10 for an example whose mistake costs ten
      times more (3.6: pornographic images shown to cat lovers).
    mask: optional [n] padding mask.

  Returns:
    (weighted errors, total weight) as float32 scalars; they add across batches
    and devices, and their ratio is the weighted error.
  """
  labels = jnp.asarray(labels).reshape(-1)
  predictions = _flat_like('predictions', predictions, labels)
  weights = _flat_like('weights', jnp.asarray(weights, jnp.float32), labels)
  if mask is not None:
    weights = weights * _flat_like('mask', jnp.asarray(mask, jnp.float32), labels)
  wrong = predictions != labels
  return jnp.sum(weights * wrong), jnp.sum(weights)


def weighted_error(predictions, labels, weights) -> float:
  """Σ w(i)·1[ŷ(i) ≠ y(i)] / Σ w(i) (notes 3.6).

  Raises:
    ValueError: if a weight is negative, NaN or inf, if all weights are zero,
      or if the lengths differ.
  """
  weights_np = np.asarray(weights, np.float64)
  if not np.all(np.isfinite(weights_np)):
    raise ValueError(
        f'weights must be finite, got {int((~np.isfinite(weights_np)).sum())} NaN/inf value(s)'
    )
  if np.any(weights_np < 0):
    raise ValueError(f'weights must be >= 0, got min {weights_np.min()}')
  wrong, total = weighted_error_counts(predictions, labels, weights_np)
  if float(total) == 0:
    raise ValueError('weights sum to 0: the weighted error is undefined')
  return float(wrong) / float(total)


def group_error_counts(predictions, labels, groups, num_groups: int, mask=None):
  """Per-group (errors, examples) counts, e.g. error by region (notes 3.2).

  Args:
    predictions, labels: [n] int classes.
    groups: [n] int group ids in [0, num_groups).
    num_groups: G.
    mask: optional [n] padding mask.

  Returns:
    (errors [G] int32, examples [G] int32); both add across batches.
  """
  _check_count('num_groups', num_groups)
  groups = jnp.asarray(groups).reshape(-1).astype(jnp.int32)
  _check_range('groups', groups, num_groups)
  count = (
      jnp.ones(groups.shape, jnp.int32)
      if mask is None
      else _flat_like('mask', mask, groups).astype(jnp.int32)
  )
  wrong = (
      _flat_like('predictions', predictions, groups) != _flat_like('labels', labels, groups)
  ).astype(jnp.int32) * count
  errors = jnp.zeros((num_groups,), jnp.int32).at[groups].add(wrong, mode='drop')
  examples = jnp.zeros((num_groups,), jnp.int32).at[groups].add(count, mode='drop')
  return errors, examples


def group_errors(errors, examples) -> np.ndarray:
  """Per-group error rates [G] from counts; NaN for an empty group.

  Raises:
    ValueError: unless errors and examples are [G] counts with
      0 <= errors <= examples.
  """
  errors = np.asarray(errors, np.float64)
  examples = np.asarray(examples, np.float64)
  if errors.shape != examples.shape or errors.ndim != 1:
    raise ValueError(
        f'errors {errors.shape} and examples {examples.shape} must be equal [G] shapes'
    )
  if not np.all((errors >= 0) & (errors <= examples)):  # NaN fails too
    raise ValueError(
        'errors must be counts with 0 <= errors <= examples in every group, got '
        f'errors {errors.tolist()} for examples {examples.tolist()}'
    )
  with np.errstate(invalid='ignore', divide='ignore'):
    return np.where(examples > 0, errors / np.maximum(examples, 1), np.nan)


def rank_by_group_average(
    table: Mapping[str, Mapping[str, float]], groups: Optional[Sequence[str]] = None
):
  """Ranks models by their average error over groups (notes 3.2 region table).

  The single-number metric of 3.2 is the plain average over groups (each region
  counts the same, whatever its size).

  Args:
    table: {model: {group: error}}.
    groups: the groups to average, in column order; default: the first row's.

  Returns:
    list of (model, average, {group: error}) sorted by average, best first;
    ties keep the input order.

  Raises:
    ValueError: if the table or the groups are empty, a model lacks one of
      the groups, or an error is NaN/inf (it would sort arbitrarily).
  """
  if not table:
    raise ValueError('table must contain at least one model')
  if groups is None:
    groups = list(next(iter(table.values())).keys())
  if not groups:
    raise ValueError('groups must name at least one group to average over, got none')
  rows = []
  for model, errors in table.items():
    missing = [g for g in groups if g not in errors]
    if missing:
      raise ValueError(f'model {model!r} has no error for groups {missing}')
    row = {g: float(errors[g]) for g in groups}
    bad = [g for g, e in row.items() if not np.isfinite(e)]
    if bad:
      raise ValueError(
          f'model {model!r} has non-finite errors for groups {bad}: ' f'{[row[g] for g in bad]}'
      )
    rows.append((model, float(np.mean(list(row.values()))), row))
  return sorted(rows, key=lambda r: r[1])


def format_group_table(ranked, percent: bool = True) -> str:
  """Markdown table of `rank_by_group_average` output with an Average column."""
  if not ranked:
    raise ValueError('ranked must hold at least one model (the output of rank_by_group_average)')
  groups = list(ranked[0][2].keys())
  scale, unit = (100.0, '%') if percent else (1.0, '')
  lines = ['| Model | ' + ' | '.join(groups) + ' | Average |', '|' + '---|' * (len(groups) + 2)]
  for model, average, row in ranked:
    cells = [f'{scale * row[g]:.4g}{unit}' for g in groups]
    lines.append(f'| {model} | ' + ' | '.join(cells) + f' | {scale * average:.4g}{unit} |')
  return '\n'.join(lines)


def _check_range(name, ids, upper):
  # Out-of-range ids would land in another cell of the flat index silently;
  # they can only be checked on concrete (host) values, not under jit.
  if isinstance(ids, jax.core.Tracer) or ids.size == 0:
    return
  low, high = int(jnp.min(ids)), int(jnp.max(ids))
  if low < 0 or high >= upper:
    raise ValueError(f'{name} must be ids in [0, {upper}), got values in [{low}, {high}]')


def _check_count(name, value):
  if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
    raise ValueError(f'{name} must be a positive int, got {value!r}')


def _flat_like(name, values, reference):
  """values flattened to reference's [n] length; a static shape check, free under jit.

  Without it a length-1 array would broadcast against every example.
  """
  values = jnp.asarray(values).reshape(-1)
  if values.shape != reference.shape:
    raise ValueError(
        f'{name} must have one entry per example ({reference.shape[0]}), ' f'got {values.shape[0]}'
    )
  return values


def _as_confusion(confusion) -> np.ndarray:
  confusion = np.asarray(confusion)
  if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1] or confusion.shape[0] == 0:
    raise ValueError(
        f'confusion must be a square [C, C] matrix with C >= 1, got shape {confusion.shape}'
    )
  if not np.all(confusion >= 0):  # NaN fails too
    raise ValueError(
        'confusion must hold counts >= 0 (no NaN), got '
        f'{int(np.sum(~(confusion >= 0)))} bad entries'
    )
  return confusion


def _safe_div(num, den):
  num = np.asarray(num, np.float64)
  den = np.asarray(den, np.float64)
  return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
