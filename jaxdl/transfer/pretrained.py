"""Pretrained parameters from another run's orbax checkpoint (notes 3.14).

A run of `jaxdl.train.loop.train_and_evaluate` leaves `workdir/checkpoints/<step>/state`,
the saved TrainState of its newest and its best (by a dev metric) steps. `load_pretrained` reads one back as host numpy arrays with
no target tree, so it needs neither the source model's code nor the source
run's device count. `transplant` copies the backbone into a freshly
initialised model (whose head may have another number of classes), and
`WarmStart` hands those parameters to the core's `create_train_state` in
place of a random init.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Sequence

import flax
import jax
import jax.numpy as jnp
import numpy as np
import orbax.checkpoint as ocp

from jaxdl.train.checkpoint import CHECKPOINT_DIR, find_step

WHICH = ('best', 'latest')


@dataclasses.dataclass(frozen=True)
class Pretrained:
  """A restored TrainState's reusable parts (host numpy arrays).

  Attributes:
    params: the parameter tree.
    batch_stats: BatchNorm running averages ({} without BN).
    input_stats: {'mean', 'std'} the source normalised its inputs with; a
      fine-tuned backbone expects inputs normalised the same way.
    step: the training step of the checkpoint.
    path: the directory it came from.
  """

  params: Any
  batch_stats: Any
  input_stats: Any
  step: int
  path: str


def checkpoint_step(
    workdir: str, which: str = 'best', metric: str = 'dev/error', mode: str = 'min'
) -> int:
  """The step of the best (by `metric`) or latest checkpoint of a run."""
  if which not in WHICH:
    raise ValueError(f'which must be one of {WHICH}, got {which!r}')
  directory = os.path.join(os.path.abspath(workdir), CHECKPOINT_DIR)
  if not os.path.isdir(directory):
    raise FileNotFoundError(f'no {which} checkpoints under {workdir} (looked for {directory})')
  step = find_step(workdir, which, metric, mode)
  if step is None:
    raise FileNotFoundError(f'no {which} checkpoint in {directory}')
  return int(step)


def load_pretrained(
    workdir: str, which: str = 'best', metric: str = 'dev/error', mode: str = 'min'
) -> Pretrained:
  """Restores the model parts of another run's checkpoint.

  Args:
    workdir: the source run's --workdir.
    which: 'best' (by `metric`, as early stopping chose) or 'latest'.
    metric, mode: how the best checkpoint was ranked.

  Returns:
    a Pretrained with numpy arrays.

  Raises:
    FileNotFoundError: the run has no such checkpoint.
  """
  step = checkpoint_step(workdir, which, metric, mode)
  path = os.path.join(os.path.abspath(workdir), CHECKPOINT_DIR, str(step), 'state')
  checkpointer = ocp.PyTreeCheckpointer()
  tree = checkpointer.metadata(path).item_metadata
  tree = getattr(tree, 'tree', tree)
  # numpy restore: no shardings, so a checkpoint from 8 devices loads on 1.
  args = jax.tree.map(lambda _: ocp.RestoreArgs(restore_type=np.ndarray), tree)
  state = checkpointer.restore(path, args=ocp.args.PyTreeRestore(restore_args=args))
  return Pretrained(
      params=state['params'],
      batch_stats=state.get('batch_stats') or {},
      input_stats=state['input_stats'],
      step=int(state['step']),
      path=path,
  )


def transplant(target: Any, source: Any, exclude: Sequence[str] = ('head',)) -> Any:
  """`target` with every top-level module of `source` except `exclude` copied in.

  Args:
    target: a freshly initialised params (or batch_stats) tree of the new model.
    source: the pretrained tree.
    exclude: top-level modules kept from `target` (the new task's head).

  Returns:
    a new tree, same structure as target.

  Raises:
    ValueError: a copied module is missing from target or source, or a
      shape differs (the backbones are not the same architecture).
  """
  target = flax.core.unfreeze(target)
  source = flax.core.unfreeze(source)
  copied = [m for m in source if m not in exclude]
  missing = [m for m in copied if m not in target]
  if missing:
    raise ValueError(
        f'pretrained modules {missing} are not in the target model '
        f'({sorted(target)}); add them to exclude or fix the architecture'
    )
  absent = [m for m in target if m not in exclude and m not in source]
  if absent:
    raise ValueError(
        f'target modules {absent} have no pretrained values; list them in exclude '
        'to keep their random init'
    )
  out = dict(target)
  for module in copied:
    t_shapes = jax.tree.map(np.shape, target[module])
    s_shapes = jax.tree.map(np.shape, source[module])
    if t_shapes != s_shapes:
      raise ValueError(f'module {module!r}: target shapes {t_shapes} != pretrained {s_shapes}')
    # jnp, not np: under jit (create_train_state) the target leaves are tracers.
    out[module] = jax.tree.map(
        lambda t, s: jnp.asarray(s, dtype=t.dtype), target[module], source[module]
    )
  return out


@dataclasses.dataclass(frozen=True, eq=False)
class WarmStart:
  """A flax module whose `init` returns pretrained backbone weights.

  It quacks like the module for `jaxdl.train.state.create_train_state`:
  `init` runs the module's own init (for the new head and the shapes) and
  transplants the pretrained modules in; `apply` is the module's. eq=False
  keeps it hashable by identity, as jit's static arguments need.

  Attributes:
    module: the flax module to train.
    pretrained: restored parts of the source run.
    exclude: top-level modules that keep their fresh init (the head).
  """

  module: Any
  pretrained: Pretrained
  exclude: Sequence[str] = ('head',)

  @property
  def apply(self):
    return self.module.apply

  def init(self, rngs, *args, **kwargs):
    variables = dict(self.module.init(rngs, *args, **kwargs))
    variables['params'] = transplant(variables['params'], self.pretrained.params, self.exclude)
    if variables.get('batch_stats'):
      variables['batch_stats'] = transplant(
          variables['batch_stats'], self.pretrained.batch_stats, self.exclude
      )
    return variables
