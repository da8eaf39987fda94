"""Host-side batching with static shapes (numpy only, no jnp here).

Training batches: every epoch is a fresh permutation drawn from (seed, epoch),
remainders dropped, so the batch at any step is a pure function of the step.
That is what makes resumption exact: a restarted run needs only the step
number to continue the data stream where it stopped.

Evaluation batches: the split is padded up to a multiple of the batch size
and a ``mask`` feature marks real examples, so every example counts exactly
once whatever the batch size (padding rows have mask 0).

Multi-host: each process materialises only its contiguous slice of every
global batch (``jax.process_index()``-th of ``process_count()`` slices).
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from jaxdl.data.dataset import Split, split_size, take
from jaxdl.errors import ConfigError


def steps_per_epoch(num_examples: int, global_batch_size: int) -> int:
  """Full batches per epoch (the remainder is dropped in training)."""
  if global_batch_size <= 0:
    raise ConfigError(f'config.batch_size={global_batch_size}: must be > 0')
  steps = num_examples // global_batch_size
  if steps == 0:
    raise ConfigError(
        f'config.batch_size={global_batch_size}: larger than the training '
        f'split ({num_examples} examples), so there is no full batch'
    )
  return steps


def epoch_permutation(num_examples: int, seed: int, epoch: int) -> np.ndarray:
  """The example order of one epoch, a pure function of (seed, epoch)."""
  return np.random.default_rng([seed, epoch]).permutation(num_examples)


def train_batch_indices(
    num_examples: int,
    global_batch_size: int,
    seed: int,
    step: int,
    process_index: int = 0,
    process_count: int = 1,
) -> np.ndarray:
  """Indices of this process's share of the global batch used at ``step``."""
  per_epoch = steps_per_epoch(num_examples, global_batch_size)
  epoch, i = divmod(step, per_epoch)
  order = epoch_permutation(num_examples, seed, epoch)
  batch = order[i * global_batch_size : (i + 1) * global_batch_size]
  return process_slice(batch, process_index, process_count)


def process_slice(batch: np.ndarray, process_index: int, process_count: int) -> np.ndarray:
  """Contiguous 1/process_count slice of a global batch of rows."""
  if len(batch) % process_count:
    raise ValueError(
        f'global batch {len(batch)} is not divisible by the ' f'{process_count} processes'
    )
  per = len(batch) // process_count
  return batch[process_index * per : (process_index + 1) * per]


def train_batches(
    split: Split,
    global_batch_size: int,
    seed: int,
    start_step: int = 0,
    process_index: int = 0,
    process_count: int = 1,
) -> Iterator[Split]:
  """Endless stream of training batches from ``start_step`` on."""
  n = split_size(split)
  step = start_step
  while True:
    yield take(
        split, train_batch_indices(n, global_batch_size, seed, step, process_index, process_count)
    )
    step += 1


def eval_batches(
    split: Split, global_batch_size: int, process_index: int = 0, process_count: int = 1
) -> Iterator[Split]:
  """The split once, in order, padded to full batches with a 'mask' feature.

  Yields:
    batches with every array of ``split`` plus 'mask': [B] float32, 1 for a
    real example and 0 for padding (padding repeats example 0).
  """
  n = split_size(split)
  num_batches = -(-n // global_batch_size)
  for b in range(num_batches):
    rows = np.arange(b * global_batch_size, (b + 1) * global_batch_size)
    rows = process_slice(rows, process_index, process_count)
    valid = rows < n
    batch = take(split, np.where(valid, rows, 0))
    batch['mask'] = valid.astype(np.float32)
    yield batch
