"""Masked multi-label loss for several sigmoid heads (notes 3.15).

One image, several yes/no questions (pedestrian? car? stop sign? light?): the
label is a vector y in {0, 1}^K and the network has K sigmoid outputs on
shared features. Some labels may be unknown ("?", e.g. (1, 0, ?, 1)); a mask
marks them and the loss sums only the present terms, so an example with a
missing label still trains the other K-1 heads.
"""

from __future__ import annotations

from typing import Sequence

import jax.numpy as jnp
import optax

from jaxdl.train.task import Task


def masked_sigmoid_loss(logits, labels, label_mask):
  """Sum and count of the present labels' logistic losses.

  Args:
    logits: [B, K] one logit per head.
    labels: [B, K] 0/1 targets (any value where missing).
    label_mask: [B, K] 1 where the label is present, 0 for "?".

  Returns:
    (Σ mask·L, Σ mask): L(ŷ, y) = -y log ŷ - (1-y) log(1-ŷ), ŷ = σ(logit).
    Their ratio is the loss averaged over present labels; the pair adds
    exactly across batches and devices.
  """
  if logits.shape != labels.shape or logits.shape != label_mask.shape:
    raise ValueError(
        f'logits {logits.shape}, labels {labels.shape} and label_mask '
        f'{label_mask.shape} must have the same [batch, tasks] shape'
    )
  mask = label_mask.astype(jnp.float32)
  # Missing labels may hold any value; zero them so no NaN can leak through 0*L.
  targets = jnp.where(mask > 0, labels, 0).astype(jnp.float32)
  losses = optax.sigmoid_binary_cross_entropy(logits, targets)
  return jnp.sum(mask * losses), jnp.sum(mask)


def multilabel_task(
    num_tasks: int,
    label_key: str = 'label',
    mask_key: str = 'label_mask',
    input_key: str = 'image',
    task_names: Sequence[str] | None = None,
) -> Task:
  """A core Task for K sigmoid heads with missing labels.

  Metrics, all over present labels of real (unpadded) examples:
    loss: mean logistic loss; error: share of wrong yes/no answers (threshold
    0.5); error_<name>: the same for one head.

  Args:
    num_tasks: K, the number of heads (model outputs [B, K] logits).
    label_key, mask_key, input_key: batch features.
    task_names: K names for the per-head metrics (default task0, task1, ...).
  """
  names = list(task_names) if task_names is not None else [f'task{k}' for k in range(num_tasks)]
  if len(names) != num_tasks:
    raise ValueError(f'task_names must have {num_tasks} names, got {len(names)}')

  def loss_fn(logits, batch):
    if logits.shape[-1] != num_tasks:
      raise ValueError(f'model outputs {logits.shape[-1]} logits, the task has {num_tasks} heads')
    labels = batch[label_key]
    present = batch[mask_key].astype(jnp.float32)
    # Evaluation pads the last batch; padded rows carry mask 0.
    present = present * batch.get('mask', jnp.ones(labels.shape[0], jnp.float32))[:, None]
    total, count = masked_sigmoid_loss(logits, labels, present)
    wrong = ((logits > 0).astype(jnp.int32) != labels).astype(jnp.float32) * present
    metrics = {'loss': (total, count), 'error': (wrong.sum(), count)}
    for k, name in enumerate(names):
      metrics[f'error_{name}'] = (wrong[:, k].sum(), present[:, k].sum())
    return total / jnp.maximum(count, 1.0), metrics

  return Task(loss_fn=loss_fn, input_key=input_key)
