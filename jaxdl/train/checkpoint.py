"""Checkpoints of one run: one orbax manager, newest-K plus best-K kept.

Every checkpoint lives in ``workdir/checkpoints/<step>`` and holds the
TrainState (params, batch_stats, opt_state, step, rng, input_stats) plus a
JSON ``meta`` dict (eval history, early-stopping state) and, for the steps
that ran an evaluation, the eval metrics. One manager, one sequence of steps:
the best checkpoint is simply the kept step with the best metric, so there is
no second directory whose newer step a resumed run could collide with.

Orbax writes into a temporary directory and renames it when complete, so a
SIGKILL at any moment leaves whole checkpoints behind; leftover temporary
directories are removed on the next start. Each save also stores a SHA-256
fingerprint of the state and of the meta dict: a checkpoint that cannot be
read, or whose content no longer matches its fingerprint (a flipped bit, a
truncated file), is moved to ``workdir/checkpoints_corrupt`` with one
warning line, and the run resumes from the newest good one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging as std_logging
import os
import re
import shutil
import sys
from typing import Any, Sequence

import jax
import numpy as np
import orbax.checkpoint as ocp
from absl import logging
from orbax.checkpoint.checkpoint_managers import preservation_policy as pp

from jaxdl.errors import CheckpointWriteError

CHECKPOINT_DIR = 'checkpoints'
CORRUPT_DIR = 'checkpoints_corrupt'


@dataclasses.dataclass(kw_only=True)
class LatestAndBest(pp.PreservationPolicy):
  """Keeps the newest ``keep_latest`` steps and the best ``keep_best`` by a metric.

  Ties on the metric go to the earlier step (the one early stopping calls
  best). Steps saved without metrics compete only for the newest slots.
  """

  keep_latest: int
  keep_best: int
  metric: str
  mode: str  # 'min' | 'max'

  def should_preserve(
      self, checkpoints: Sequence[pp.PolicyCheckpointInfo], *, context: pp.PreservationContext
  ) -> Sequence[bool]:
    del context
    order = sorted(range(len(checkpoints)), key=lambda i: checkpoints[i].step)
    keep = set(order[-self.keep_latest :] if self.keep_latest else [])
    keep |= set(rank_best(checkpoints, self.metric, self.mode)[: self.keep_best])
    return [i in keep for i in range(len(checkpoints))]


def rank_best(checkpoints: Sequence[Any], metric: str, mode: str) -> list[int]:
  """Indices of checkpoints with ``metric``, best first (ties: earlier step)."""
  sign = 1.0 if mode == 'min' else -1.0
  scored = [
      (sign * float(c.metrics[metric]), c.step, i)
      for i, c in enumerate(checkpoints)
      if c.metrics and metric in c.metrics
  ]
  return [i for _, _, i in sorted(scored)]


def _leaf_bytes(leaf) -> np.ndarray:
  """The host bytes of one whole state leaf, whatever its sharding.

  The fingerprint must not depend on the layout: a checkpoint saved with the
  state split over 'fsdp' is checked when it is restored onto another mesh.
  A leaf split across processes is gathered (a collective: every process
  fingerprints the same state at the same point).
  """
  if isinstance(leaf, jax.Array):
    if jax.dtypes.issubdtype(leaf.dtype, jax.dtypes.prng_key):
      leaf = jax.random.key_data(leaf)
    if leaf.is_fully_replicated:
      return np.asarray(leaf.addressable_data(0))
    if leaf.is_fully_addressable:
      return np.asarray(leaf)
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(leaf, tiled=True))
  return np.asarray(leaf)


def fingerprint(state, meta: dict[str, Any]) -> dict[str, str]:
  """SHA-256 of every state leaf (path, dtype, shape, bytes) and of the meta JSON."""
  h = hashlib.sha256()
  for path, leaf in jax.tree_util.tree_leaves_with_path(state):
    arr = _leaf_bytes(leaf)
    h.update(f'{jax.tree_util.keystr(path)}|{arr.dtype}|{np.shape(leaf)}|'.encode())
    h.update(np.ascontiguousarray(arr).tobytes())
  meta_json = json.dumps(meta, sort_keys=True, allow_nan=True)
  return {'state': h.hexdigest(), 'meta': hashlib.sha256(meta_json.encode()).hexdigest()}


def _one_line(e: BaseException) -> str:
  text = ' '.join(str(e).split()) or type(e).__name__
  code = re.search(r"os_error_code='(\d+)'", text)  # tensorstore's I/O errors
  if code:
    return f'OSError: [Errno {code.group(1)}] {os.strerror(int(code.group(1)))}'
  return f'{type(e).__name__}: {text[:240]}'


class _QuietOrbax:
  """Silences orbax's and asyncio's error logging while a restore may fail.

  A failed restore is reported by the caller as one line; orbax would log
  the same failure as pages of tracebacks first.
  """

  _NAMES = ('absl', 'orbax', 'asyncio', 'jax')

  def __enter__(self):
    self._levels = {}
    for name in self._NAMES:
      logger = std_logging.getLogger(name)
      self._levels[name] = logger.level
      logger.setLevel(std_logging.CRITICAL)
    return self

  def __exit__(self, *exc):
    for name, level in self._levels.items():
      std_logging.getLogger(name).setLevel(level)
    return False


class _DropOrbaxErrors(std_logging.Filter):
  """Drops the error records orbax's background threads log for a failed save.

  The Checkpointer reports every failed save itself as one line
  (CheckpointWriteError, from check_for_errors/wait); orbax would log the
  same failure from each of its threads as a traceback, after that line.
  """

  def filter(self, record: std_logging.LogRecord) -> bool:
    if record.levelno < std_logging.ERROR:
      return True
    return not (f'{os.sep}orbax{os.sep}' in record.pathname or record.name == 'asyncio')


_ORBAX_FILTER = _DropOrbaxErrors()
_FILTERED_LOGGERS = ('absl', 'asyncio')


def _install_closed_loop_hook() -> None:
  """Hides 'Event loop is closed' from orbax threads that outlive a failed save.

  After a write error orbax's helper threads still try to signal their
  (closed) event loops; Python would print each as an ignored exception
  after the run's one-line error. Every other unraisable exception still
  reaches the previous hook.
  """
  previous = sys.unraisablehook
  if getattr(previous, '_jaxdl', False):
    return

  def hook(unraisable):
    exc = unraisable.exc_value
    if isinstance(exc, RuntimeError) and str(exc) == 'Event loop is closed':
      return
    previous(unraisable)

  hook._jaxdl = True
  sys.unraisablehook = hook


class Checkpointer:
  """Latest-K and best-K checkpoints of one run, in one orbax manager."""

  def __init__(
      self,
      workdir: str,
      keep_latest: int = 2,
      keep_best: int = 1,
      best_metric: str = 'dev/error',
      best_mode: str = 'min',
  ):
    if best_mode not in ('min', 'max'):
      raise ValueError(f"best_mode must be 'min' or 'max', got {best_mode!r}")
    if keep_latest < 1 or keep_best < 0:
      raise ValueError(
          f'keep_latest must be >= 1 and keep_best >= 0, got ' f'{keep_latest}, {keep_best}'
      )
    self.workdir = os.path.abspath(workdir)
    self.directory = os.path.join(self.workdir, CHECKPOINT_DIR)
    self.best_metric, self.best_mode = best_metric, best_mode
    policy = LatestAndBest(
        keep_latest=keep_latest, keep_best=keep_best, metric=best_metric, mode=best_mode
    )
    self._quarantine_unparsable_json()
    self.manager = ocp.CheckpointManager(
        self.directory,
        item_names=('state', 'meta'),
        options=ocp.CheckpointManagerOptions(
            create=True,
            preservation_policy=policy,
            cleanup_tmp_directories=True,
            # best_fn only makes orbax write each step's metrics to disk, so
            # the policy still sees them after a restart; the policy decides.
            best_fn=lambda m: m.get(best_metric, 0.0),
            best_mode=best_mode,
        ),
    )
    self._pending_step: int | None = None
    for name in _FILTERED_LOGGERS:
      std_logging.getLogger(name).addFilter(_ORBAX_FILTER)
    _install_closed_loop_hook()

  # Saving ------------------------------------------------------------------

  def save(
      self, step: int, state, meta: dict[str, Any], metrics: dict[str, float] | None = None
  ) -> None:
    """Starts an asynchronous save of ``state`` and ``meta`` at ``step``.

    ``metrics`` (the eval values of this step) make it a candidate for best.
    Raises CheckpointWriteError if this or the previous save failed.
    """
    self.check_for_errors()
    meta = dict(meta, integrity=fingerprint(state, meta))
    try:
      self.manager.save(
          step,
          args=ocp.args.Composite(state=ocp.args.StandardSave(state), meta=ocp.args.JsonSave(meta)),
          metrics=dict(metrics or {}),
          force=True,
      )
    except Exception as e:  # noqa: BLE001  (orbax raises many types for I/O)
      raise self._write_error(step, e) from e
    self._pending_step = step

  def _write_error(self, step: int, e: BaseException) -> CheckpointWriteError:
    good = [s for s in self._committed_steps() if s != step]
    return CheckpointWriteError(
        self.directory, step, _one_line(_root_cause(e)), max(good) if good else None
    )

  def check_for_errors(self) -> None:
    """Raises CheckpointWriteError if a background save failed."""
    try:
      self.manager.check_for_errors()
    except Exception as e:  # noqa: BLE001
      raise self._write_error(self._pending_step or -1, e) from e

  def wait(self) -> None:
    """Blocks until asynchronous saves are on disk; raises if one failed."""
    try:
      self.manager.wait_until_finished()
    except Exception as e:  # noqa: BLE001
      raise self._write_error(self._pending_step or -1, e) from e

  def close(self) -> None:
    """Waits for pending saves (a failure was already reported) and closes."""
    try:
      self.manager.close()
    except Exception:  # noqa: BLE001  (already reported by check_for_errors/wait)
      pass

  # Restoring ---------------------------------------------------------------

  def _committed_steps(self) -> list[int]:
    return sorted(int(s) for s in self.manager.all_steps())

  def steps(self) -> list[int]:
    """Steps on disk, oldest first."""
    self.manager.reload()
    return self._committed_steps()

  def _read(self, step: int, abstract_state):
    """(state, meta) of ``step``, or the one-line reason it is unusable."""
    try:
      with _QuietOrbax():
        out = self.manager.restore(
            step,
            args=ocp.args.Composite(
                state=ocp.args.StandardRestore(abstract_state), meta=ocp.args.JsonRestore()
            ),
        )
      state, meta = out['state'], dict(out['meta'])
    except Exception as e:  # noqa: BLE001  (truncated/missing files: many types)
      self._agree(False)
      return None, _one_line(_root_cause(e))
    # The fingerprint gathers leaves split across processes: all must get there.
    if not self._agree(True):
      return None, 'unreadable on another process'
    stored = meta.pop('integrity', None)
    if stored is None:
      return None, 'no integrity fingerprint stored'
    if fingerprint(state, meta) != stored:
      return None, 'content does not match the fingerprint stored at save time'
    return (state, meta), None

  def _agree(self, ok: bool) -> bool:
    """True only if every process read its copy of the checkpoint fine."""
    if jax.process_count() == 1:
      return ok
    from jax.experimental import multihost_utils

    return bool(np.all(multihost_utils.process_allgather(np.asarray(ok))))

  def _quarantine(self, step: int, reason: str) -> None:
    if jax.process_index() == 0:
      self._move_aside(step, reason)
    else:
      logging.warning('checkpoint %s/%d is unusable (%s)', self.directory, step, reason)
    if jax.process_count() > 1:
      from jax.experimental import multihost_utils

      multihost_utils.sync_global_devices(f'jaxdl_quarantine_{step}')
    self.manager.reload()

  def _quarantine_unparsable_json(self) -> None:
    """Moves steps whose small JSON files do not parse out of orbax's way.

    Orbax reads every step's metadata and metrics when a manager opens, and
    an empty or truncated one (a kill during the write of that file) would
    stop it there; the fingerprints catch everything else at restore time.
    """
    bad = []
    if jax.process_index() == 0 and os.path.isdir(self.directory):
      for name in sorted(os.listdir(self.directory)):
        step_dir = os.path.join(self.directory, name)
        if not name.isdigit():
          continue
        for rel in ('_CHECKPOINT_METADATA', os.path.join('metrics', 'metrics')):
          path = os.path.join(step_dir, rel)
          if not os.path.exists(path):
            continue
          try:
            with open(path) as f:
              json.load(f)
          except (OSError, ValueError) as e:
            bad.append((int(name), f'{rel}: {_one_line(e)}'))
            break
    for step, reason in bad:
      self._move_aside(step, reason)
    if jax.process_count() > 1:
      from jax.experimental import multihost_utils

      multihost_utils.sync_global_devices('jaxdl_checkpoint_prescan')

  def _move_aside(self, step: int, reason: str) -> None:
    logging.warning(
        'checkpoint %s/%d is unusable (%s); moved to %s, trying an older one',
        self.directory,
        step,
        reason,
        CORRUPT_DIR,
    )
    target = os.path.join(self.workdir, CORRUPT_DIR, str(step))
    n = 1
    while os.path.exists(target):
      target = os.path.join(self.workdir, CORRUPT_DIR, f'{step}.{n}')
      n += 1
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.move(os.path.join(self.directory, str(step)), target)

  def restore_latest(self, abstract_state):
    """(state, meta) of the newest good checkpoint, or None if there is none.

    Unreadable or fingerprint-mismatched steps are quarantined on the way
    down, so the run continues from the newest good step and can write the
    later steps again.
    """
    for step in reversed(self.steps()):
      restored, reason = self._read(step, abstract_state)
      if self._agree(restored is not None):
        return restored
      self._quarantine(step, reason or 'unreadable on another process')
    return None

  def best_step(self) -> int | None:
    """The kept step with the best ``best_metric`` (ties: the earlier step)."""
    infos = [_Info(s, _read_metrics(self.directory, s)) for s in self.steps()]
    ranked = rank_best(infos, self.best_metric, self.best_mode)
    return infos[ranked[0]].step if ranked else None

  def restore_best(self, abstract_state):
    """(state, meta) of the best checkpoint by ``best_metric``, or None."""
    step = self.best_step()
    if step is None:
      return None
    restored, reason = self._read(step, abstract_state)
    if not self._agree(restored is not None):
      self._quarantine(step, reason or 'unreadable on another process')
      return self.restore_best(abstract_state)
    return restored


@dataclasses.dataclass
class _Info:
  step: int
  metrics: dict[str, float] | None


def _root_cause(e: BaseException) -> BaseException:
  """The innermost exception of a chain (orbax wraps I/O errors)."""
  seen = set()
  while id(e) not in seen:
    seen.add(id(e))
    nxt = e.__cause__ or e.__context__
    if nxt is None:
      break
    e = nxt
  return e


def abstract_like(state):
  """ShapeDtypeStructs (with shardings) of a state, the target of a restore.

  Orbax restores each leaf onto the sharding given here, not the one it was
  saved with, so a checkpoint of any mesh shape restores onto the mesh of
  ``state`` (e.g. saved with fsdp=4, restored replicated).
  """

  def one(leaf):
    if isinstance(leaf, jax.Array):
      return jax.ShapeDtypeStruct(leaf.shape, leaf.dtype, sharding=leaf.sharding)
    return ocp.utils.to_shape_dtype_struct(leaf)

  return jax.tree.map(one, state)


def has_checkpoints(workdir: str) -> bool:
  """True if ``workdir`` holds at least one committed-looking checkpoint step."""
  d = os.path.join(workdir, CHECKPOINT_DIR)
  return os.path.isdir(d) and any(p.isdigit() for p in os.listdir(d))


def find_step(
    workdir: str, which: str = 'latest', metric: str = 'dev/error', mode: str = 'min'
) -> int | None:
  """The newest step ('latest') or best step by ``metric`` ('best') on disk.

  Read-only: for tools that inspect another run's checkpoints (transfer,
  error analysis) without opening it for writing.
  """
  directory = os.path.join(os.path.abspath(workdir), CHECKPOINT_DIR)
  if not os.path.isdir(directory):
    return None
  with ocp.CheckpointManager(
      directory, item_names=('state', 'meta'), options=ocp.CheckpointManagerOptions(read_only=True)
  ) as m:
    steps = sorted(int(s) for s in m.all_steps())
    if which == 'latest':
      return steps[-1] if steps else None
    infos = [_Info(s, _read_metrics(directory, s)) for s in steps]
  ranked = rank_best(infos, metric, mode)
  return infos[ranked[0]].step if ranked else None


def _read_metrics(directory: str, step: int) -> dict[str, float] | None:
  path = os.path.join(directory, str(step), 'metrics', 'metrics')
  try:
    with open(path) as f:
      return json.load(f)
  except (OSError, ValueError):
    return None
