"""What a training run optimises: how to feed the model and score its output.

A Task keeps the core generic: classification, detection, sequence and
multi-task runs differ only in their Task.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import jax
import jax.numpy as jnp
import optax

Metrics = dict[str, tuple[jax.Array, jax.Array]]  # name -> (sum, count)


@dataclasses.dataclass(frozen=True)
class Task:
  """Attributes:
  loss_fn: (outputs, batch) -> (scalar loss averaged over real examples,
    metrics as exact (sum, count) pairs). ``batch['mask']`` ([B] float,
    1 = real example) is present in evaluation batches and must weight
    every sum; it is all ones in training.
  input_key: batch feature fed to the model.
  normalize_input: apply the state's input_stats to batch[input_key].
  regularizer: optional (params, batch) -> scalar added to the training
    loss only (e.g. the L2 cost of notes 2.3.1).
  """

  loss_fn: Callable[[Any, dict], tuple[jax.Array, Metrics]]
  input_key: str = 'image'
  normalize_input: bool = True
  regularizer: Callable[[Any, dict], jax.Array] | None = None


def classification_task(
    num_classes: int, label_key: str = 'label', input_key: str = 'image'
) -> Task:
  """Softmax cross-entropy with loss / error / accuracy metrics."""

  def loss_fn(logits, batch):
    labels = batch[label_key]
    if logits.shape[-1] != num_classes:
      raise ValueError(f'model outputs {logits.shape[-1]} classes, dataset has {num_classes}')
    mask = batch.get('mask', jnp.ones(labels.shape[0], jnp.float32))
    losses = optax.softmax_cross_entropy_with_integer_labels(logits, labels)
    correct = (jnp.argmax(logits, -1) == labels).astype(jnp.float32)
    count = mask.sum()
    loss = (losses * mask).sum() / jnp.maximum(count, 1.0)
    return loss, {
        'loss': ((losses * mask).sum(), count),
        'error': (((1 - correct) * mask).sum(), count),
        'accuracy': ((correct * mask).sum(), count),
    }

  return Task(loss_fn=loss_fn, input_key=input_key)
