"""Rebuilds a finished run from its config and restores its checkpoint.

The run's config names its dataset, model and optimizer; rebuilding the
same state shape (`jax.eval_shape`-style abstract tree) and restoring with
the core `Checkpointer` gives back exactly the trained state, with the input
statistics it was trained with.
"""

from __future__ import annotations

import functools
import os

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.data import batching
from jaxdl.data.dataset import Dataset
from jaxdl.data.normalize import identity_stats
from jaxdl.models.registry import build_model
from jaxdl.train import precision
from jaxdl.optim.factory import make_optimizer
from jaxdl.parallel import mesh as mesh_lib
from jaxdl.train import steps as steps_lib
from jaxdl.train.checkpoint import Checkpointer, abstract_like
from jaxdl.train.loop import load_configured_dataset
from jaxdl.train.state import TrainState, create_train_state
from jaxdl.train.task import classification_task

WHICH = ('best', 'latest')


def restore_run(
    config, workdir: str, which: str = 'best', dataset: Dataset | None = None
) -> tuple[TrainState, Dataset]:
  """(state, dataset) of a run trained by `jaxdl.train.loop.train_and_evaluate`.

  Args:
    config: the run's config (as given to train_and_evaluate).
    workdir: the run's workdir.
    which: 'best' (by the run's early-stopping metric) or 'latest'.
    dataset: the run's dataset if it was passed in rather than named by config.

  Raises:
    FileNotFoundError: the workdir has no such checkpoint.
  """
  if which not in WHICH:
    raise ValueError(f'which must be one of {WHICH}, got {which!r}')
  if not os.path.isdir(workdir):
    raise FileNotFoundError(f'run workdir {workdir!r} does not exist')
  dataset = dataset or load_configured_dataset(config)
  train = dataset.splits['train']
  inputs = train[dataset.info.input_key]
  model = build_model(
      config.model,
      dataset.info.num_classes,
      dtype=precision.model_dtype(config),
      **config.model_kwargs,
  )
  spe = batching.steps_per_epoch(len(inputs), config.batch_size)
  total = config.get('num_train_steps', 0) or config.num_epochs * spe
  tx = make_optimizer(config.optimizer, spe, total)
  mesh = mesh_lib.make_mesh(config.num_devices)
  init = jax.jit(
      functools.partial(create_train_state, model, tx), out_shardings=mesh_lib.replicated(mesh)
  )
  # Only shapes matter: the restore overwrites every leaf, input_stats included.
  state = init(
      jnp.zeros((1,) + inputs.shape[1:], inputs.dtype),
      jax.random.key(0),
      identity_stats(inputs.shape[-1]),
  )
  es = config.early_stopping
  ckpt = Checkpointer(workdir, keep_best=config.keep_best, best_metric=es.metric, best_mode=es.mode)
  try:
    restored = (ckpt.restore_best if which == 'best' else ckpt.restore_latest)(abstract_like(state))
  finally:
    ckpt.close()
  if restored is None:
    raise FileNotFoundError(f'no {which} checkpoint in {workdir}')
  return restored[0], dataset


def predict_probs(
    state: TrainState, split: dict, batch_size: int, input_key: str = 'image', num_devices: int = 0
) -> np.ndarray:
  """Softmax probabilities [N, num_classes] of a classifier on a whole split."""
  mesh = mesh_lib.make_mesh(num_devices)
  task = classification_task(1, input_key=input_key)  # only input_key/normalisation are used
  predict = jax.jit(lambda s, x: jax.nn.softmax(steps_lib.predict(s, x, task=task), axis=-1))
  out = []
  for batch in batching.eval_batches({input_key: split[input_key]}, batch_size):
    x = mesh_lib.shard_batch({input_key: batch[input_key]}, mesh)[input_key]
    probs = np.asarray(jax.device_get(predict(state, x)))
    out.append(probs[batch['mask'] > 0])
  return np.concatenate(out)
