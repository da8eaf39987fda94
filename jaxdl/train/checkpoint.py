"""Checkpoints: one orbax CheckpointManager pair behind a small interface.

``workdir/checkpoints`` holds the latest states (resumption); ``workdir/best``
keeps the best K by a dev metric (early stopping restores from it). Each
checkpoint is the TrainState (params, batch_stats, opt_state, step, rng,
input_stats) plus a JSON ``meta`` dict (early-stopping state, eval history).
Orbax writes to a temporary directory and renames it when complete, so a run
killed at any moment leaves only whole checkpoints behind.
"""
from __future__ import annotations

import os
from typing import Any

import jax
import orbax.checkpoint as ocp


def _manager(path: str, **options) -> ocp.CheckpointManager:
  return ocp.CheckpointManager(
      os.path.abspath(path), item_names=('state', 'meta'),
      options=ocp.CheckpointManagerOptions(create=True, **options))


class Checkpointer:
  """Latest-K and best-K checkpoints of one run."""

  def __init__(self, workdir: str, keep_latest: int = 2, keep_best: int = 1,
               best_metric: str = 'dev/error', best_mode: str = 'min'):
    if best_mode not in ('min', 'max'):
      raise ValueError(f"best_mode must be 'min' or 'max', got {best_mode!r}")
    self.best_metric = best_metric
    self.latest = _manager(os.path.join(workdir, 'checkpoints'), max_to_keep=keep_latest)
    self.best = _manager(os.path.join(workdir, 'best'), max_to_keep=keep_best,
                         best_fn=lambda m: m[best_metric], best_mode=best_mode)

  @staticmethod
  def _args(state, meta):
    return ocp.args.Composite(state=ocp.args.StandardSave(state),
                              meta=ocp.args.JsonSave(meta))

  def save_latest(self, step: int, state, meta: dict[str, Any]) -> None:
    self.latest.save(step, args=self._args(state, meta), force=True)

  def save_best(self, step: int, state, meta: dict[str, Any], metrics: dict[str, float]) -> None:
    self.best.save(step, args=self._args(state, meta), metrics=metrics, force=True)

  @staticmethod
  def _restore(manager: ocp.CheckpointManager, step: int | None, abstract_state):
    if step is None:
      return None
    out = manager.restore(step, args=ocp.args.Composite(
        state=ocp.args.StandardRestore(abstract_state), meta=ocp.args.JsonRestore()))
    return out['state'], dict(out['meta'])

  def restore_latest(self, abstract_state):
    """(state, meta) of the newest checkpoint, or None if there is none."""
    return self._restore(self.latest, self.latest.latest_step(), abstract_state)

  def restore_best(self, abstract_state):
    """(state, meta) of the best checkpoint by ``best_metric``, or None."""
    return self._restore(self.best, self.best.best_step(), abstract_state)

  def wait(self) -> None:
    """Blocks until asynchronous saves are on disk."""
    self.latest.wait_until_finished()
    self.best.wait_until_finished()

  def close(self) -> None:
    self.latest.close()
    self.best.close()


def abstract_like(state):
  """ShapeDtypeStructs (with shardings) of a state, the target of a restore."""
  return jax.tree.map(ocp.utils.to_shape_dtype_struct, state)
