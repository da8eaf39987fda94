"""A short training run with a caller-given optimizer (fine-tuning, notes 3.14).

The core loop (`jaxdl.train.loop`) builds its optimizer from the config; a
fine-tuning run needs one that knows which parameters are the backbone
(`jaxdl.transfer.freezing`). This module runs the same core pieces — state
creation on the mesh, the jitted data-parallel train/eval steps, host
batching, exact evaluation — with that optimizer, for a fixed step budget,
and evaluates every split at the end. Small by design: no checkpoints, since
fine-tuning on little data takes seconds.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable, Optional

import jax
import jax.numpy as jnp
import optax

from jaxdl.data import pipeline
from jaxdl.data.dataset import Dataset
from jaxdl.data.normalize import fit_input_stats, identity_stats
from jaxdl.parallel import mesh as mesh_lib
from jaxdl.train import steps as steps_lib
from jaxdl.train.loop import evaluate
from jaxdl.train.state import TrainState, create_train_state
from jaxdl.train.task import Task


@dataclasses.dataclass
class FinetuneResult:
  """state: the trained state; final: {split: {metric: value}}; history: dev curve."""

  state: TrainState
  final: dict[str, dict[str, float]]
  history: dict[str, list]


def finetune(
    dataset: Dataset,
    model: Any,
    make_tx: Callable[[Any], optax.GradientTransformation],
    task: Task,
    *,
    num_steps: int,
    batch_size: int,
    seed: int = 0,
    input_stats: Optional[dict] = None,
    num_devices: int = 0,
    eval_every_steps: int = 0,
    writer=None,
    prefix: str = '',
) -> FinetuneResult:
  """Trains `model` on `dataset['train']` for `num_steps` with `make_tx(params)`.

  Args:
    dataset: splits 'train' and any of 'train_dev', 'dev', 'test'.
    model: a flax module or a `jaxdl.transfer.pretrained.WarmStart`.
    make_tx: params tree -> optax optimizer (e.g. a frozen-backbone one).
    task: loss and metrics.
    num_steps: optimizer steps (the same budget for every compared run).
    batch_size: global batch, divisible by the devices.
    seed: init and data order.
    input_stats: normalisation to use (a pretrained backbone's); None fits it on train.
    num_devices: mesh size (0 = all devices).
    eval_every_steps: dev evaluation period for the history (0 = only at the end).
    writer: optional jaxdl.viz.summaries.SummaryWriter for TensorBoard scalars.
    prefix: scalar name prefix, e.g. 'frozen/'.

  Returns:
    FinetuneResult with final metrics on every split.
  """
  if num_steps <= 0:
    raise ValueError(f'num_steps must be > 0, got {num_steps}')
  mesh = mesh_lib.make_mesh(num_devices)
  mesh_lib.check_batch_size(batch_size, mesh)
  train = dataset.splits['train']
  inputs = train[task.input_key]
  if input_stats is None:
    input_stats = (
        fit_input_stats(inputs) if task.normalize_input else identity_stats(inputs.shape[-1])
    )
  example = jnp.zeros((1,) + inputs.shape[1:], inputs.dtype)
  rng = jax.random.key(seed)
  shapes = jax.eval_shape(lambda: model.init({'params': rng, 'dropout': rng}, example, train=False))
  tx = make_tx(shapes['params'])
  init = jax.jit(
      functools.partial(create_train_state, model, tx), out_shardings=mesh_lib.replicated(mesh)
  )
  state = init(example, rng, jax.tree.map(jnp.asarray, input_stats))
  train_fn = steps_lib.jit_train_step(mesh, task=task)
  eval_fn = steps_lib.jit_eval_step(mesh, task=task)
  batches = pipeline.TrainStream(
      train,
      batch_size,
      seed,
      functools.partial(mesh_lib.shard_batch, mesh=mesh),
      process_index=jax.process_index(),
      process_count=jax.process_count(),
  )
  history: dict[str, list] = {'step': [], 'dev/error': []}
  try:
    for step in range(1, num_steps + 1):
      state, _ = train_fn(state, next(batches))
      if eval_every_steps and step % eval_every_steps == 0 and 'dev' in dataset.splits:
        dev = evaluate(state, dataset.splits['dev'], eval_fn, mesh, batch_size)
        history['step'].append(step)
        history['dev/error'].append(dev['error'])
        if writer is not None:
          writer.scalars(step, {f'{prefix}dev/{k}': v for k, v in dev.items()})
  finally:
    batches.close()
  final = {
      name: evaluate(state, split, eval_fn, mesh, batch_size)
      for name, split in dataset.splits.items()
  }
  if writer is not None:
    writer.scalars(
        num_steps, {f'{prefix}final/{s}/{k}': v for s, m in final.items() for k, v in m.items()}
    )
  return FinetuneResult(state=state, final=final, history=history)
