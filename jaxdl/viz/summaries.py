"""TensorBoard-readable scalars, images and hparams (tensorboardX: no TensorFlow needed).

Only process 0 writes, so a multi-host run produces one event stream.

Units: scalars named ``.../error`` are fractions in [0, 1] (the values the
history, early stopping and checkpoints use, so a curve and a checkpoint's
metric agree to the last digit); the console lines, the PNG curves and the
tables show the same errors in %.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from typing import Any, Iterable, Mapping

import jax
import numpy as np
from absl import logging

TENSORBOARD_DIR = 'tensorboard'
# Directories of a workdir whose PNGs are not results (at any depth).
_SKIP_DIRS = frozenset({TENSORBOARD_DIR, 'checkpoints', 'checkpoints_corrupt'})
# Which PNGs log_workdir_images has written: relative path -> [size, mtime_ns].
_IMAGES_LOGGED = 'images_logged.json'


def _unique_suffix() -> str:
  """tensorboardX names event files by the second and the host only, and
  opens them with 'wb': a second writer started in the same second (the
  images after a fast run, a quick resume) would truncate the first one's
  file. The sub-second time keeps the names unique and in writing order."""
  global _writers_started
  _writers_started += 1
  return f'.{time.time_ns() % 10**9:09d}.{os.getpid()}.{_writers_started}'


_writers_started = 0


def _tensorboardx(module: str = 'tensorboardX'):
  """Imports ``module`` of tensorboardX without letting it import PyTorch.

  tensorboardX's writer imports torch, when it is installed, only to accept
  torch tensors; that costs seconds and several hundred MB of RSS in every
  run. jaxdl writes numpy values, so torch is hidden during the import
  unless the program has imported it already; a later ``import torch`` works.
  """
  if 'tensorboardX' in sys.modules or 'torch' in sys.modules:
    return importlib.import_module(module)
  sys.modules['torch'] = None  # makes `import torch` raise ImportError
  try:
    importlib.import_module('tensorboardX')
  finally:
    del sys.modules['torch']
  return importlib.import_module(module)


class SummaryWriter:
  """Scalars, images and hparams to ``workdir/tensorboard``; a no-op off process 0."""

  def __init__(self, workdir: str, enabled: bool | None = None, purge_step: int | None = None):
    """purge_step: on resume, the step of the checkpoint resumed from;
    TensorBoard then drops events a killed run wrote after it."""
    self.enabled = jax.process_index() == 0 if enabled is None else enabled
    self._writer = None
    if self.enabled:
      self._writer = _tensorboardx().SummaryWriter(
          logdir=os.path.join(workdir, TENSORBOARD_DIR),
          purge_step=purge_step,
          filename_suffix=_unique_suffix(),
          flush_secs=10**6,  # flushed by the loop at each checkpoint, not by a thread (a full disk)
      )
    self._hparams_started = False

  def scalars(self, step: int, values: dict[str, float]) -> None:
    if self._writer is not None:
      for name, value in values.items():
        self._writer.add_scalar(name, float(value), global_step=int(step))

  def image(self, step: int, name: str, image: np.ndarray) -> None:
    """image: [H, W, C] float in [0, 1] or uint8."""
    if self._writer is not None:
      self._writer.add_image(name, np.asarray(image), global_step=int(step), dataformats='HWC')

  def start_hparams(self, config: Mapping[str, Any]) -> None:
    """The run's flattened config as its TensorBoard hparams (the plugin's start record).

    Written into this run's own directory (not a sub-run, as tensorboardX's
    add_hparams does), so the hparams table links to this run's scalars.
    """
    if self._writer is not None:
      from tensorboardX.summary import hparams  # deferred like the writer

      _, start, _ = hparams(flatten_config(config), {})
      self._writer.file_writer.add_summary(start)
      self._hparams_started = True

  def end_hparams(self, config: Mapping[str, Any], metric_tags: Iterable[str]) -> None:
    """Names the scalars (already written, e.g. ``final/test/error``) that the
    hparams table shows as this run's metrics, and marks the run finished."""
    if self._writer is not None:
      from tensorboardX.summary import hparams

      experiment, start, end = hparams(flatten_config(config), {tag: 0.0 for tag in metric_tags})
      if not self._hparams_started:
        self._writer.file_writer.add_summary(start)
        self._hparams_started = True
      self._writer.file_writer.add_summary(experiment)
      self._writer.file_writer.add_summary(end)

  def flush(self) -> None:
    """Writes pending events; on a full disk it warns, and the checkpoint
    write that follows reports the error with the last good step."""
    if self._writer is not None:
      try:
        self._writer.flush()
      except OSError as e:
        logging.warning('TensorBoard events not fully written: %s', e)

  def close(self) -> None:
    """Flushes and closes; a full or vanished disk loses the unwritten events only.

    It must not raise then: close runs in the loop's ``finally`` and would
    replace the error that says which checkpoint is the last good one.
    """
    if self._writer is None:
      return
    writer, self._writer = self._writer, None
    try:
      writer.close()
    except OSError as e:
      logging.warning('TensorBoard events not fully written: %s', e)
      # Marked closed, so tensorboardX's exit hook does not retry the write.
      for file_writer in (writer.all_writers or {}).values():
        events = file_writer.event_writer
        if events._worker is not None:  # pylint: disable=protected-access
          events._worker.stop()  # pylint: disable=protected-access
        events._closed = True  # pylint: disable=protected-access


def flatten_config(
    config: Mapping[str, Any], prefix: str = ''
) -> dict[str, bool | int | float | str]:
  """Nested config -> {'optimizer.learning_rate': 0.003, ...} of hparam values.

  Nested ConfigDicts are flattened with dots; tuples, lists, dicts, None and
  anything else that is not a bool, number or string become ``str(value)``.
  """
  out: dict[str, bool | int | float | str] = {}
  for key, value in config.items():
    name = f'{prefix}{key}'
    if _is_config(value):
      out.update(flatten_config(value, name + '.'))
    elif isinstance(value, (bool, int, float, str)):
      out[name] = value
    elif isinstance(value, (np.integer, np.floating, np.bool_)):
      out[name] = value.item()
    else:
      out[name] = str(value)
  return out


def _is_config(value) -> bool:
  try:
    import ml_collections
  except ImportError:  # pragma: no cover - a dependency of the project
    return False
  return isinstance(value, (ml_collections.ConfigDict, ml_collections.FrozenConfigDict))


def log_workdir_images(workdir: str, step: int | None = None) -> int:
  """Writes every result PNG of ``workdir`` as a TensorBoard image of its run.

  Every ``*.png`` under ``workdir`` (not under ``tensorboard/`` or
  ``checkpoints/``) goes to ``workdir/tensorboard`` with the tag of its
  relative path without extension (``all/curves_error``). A PNG already
  written and unchanged since (same size and mtime) is skipped, so the
  training loop and the launcher may both call this at the end of a run.
  Only process 0 writes.

  Args:
    workdir: the run's directory.
    step: the step the images belong to; None: the newest checkpoint's step
      (0 without checkpoints).

  Returns:
    The number of images written (0 off process 0).
  """
  if jax.process_index() != 0 or not os.path.isdir(workdir):
    return 0
  logdir = os.path.join(workdir, TENSORBOARD_DIR)
  manifest_path = os.path.join(logdir, _IMAGES_LOGGED)
  try:
    with open(manifest_path) as f:
      logged = json.load(f)
  except (OSError, ValueError):
    logged = {}
  todo = []
  for rel in _workdir_pngs(workdir):
    st = os.stat(os.path.join(workdir, rel))
    if logged.get(rel) != [st.st_size, st.st_mtime_ns]:
      todo.append((rel, [st.st_size, st.st_mtime_ns]))
  if not todo:
    return 0
  if step is None:
    step = _newest_checkpoint_step(workdir)
  writer = SummaryWriter(workdir, enabled=True)
  written = 0
  try:
    for rel, key in todo:
      try:
        image = read_png(os.path.join(workdir, rel))
      except OSError:  # half-written or not a PNG after all: not a result
        continue
      writer.image(step, os.path.splitext(rel)[0].replace(os.sep, '/'), image)
      logged[rel] = key
      written += 1
  finally:
    writer.close()
  try:
    with open(manifest_path + '.tmp', 'w') as f:
      json.dump(logged, f, indent=0, sort_keys=True)
    os.replace(manifest_path + '.tmp', manifest_path)
  except OSError as e:  # the images are written; a later call may write them again
    logging.warning('cannot write %s: %s', manifest_path, e)
  return written


def read_png(path: str) -> np.ndarray:
  """[H, W, 3] (or [H, W, 4] when it has transparency) uint8 pixels of a PNG."""
  from PIL import Image

  with Image.open(path) as img:
    has_alpha = 'A' in img.getbands() or 'transparency' in img.info
    return np.asarray(img.convert('RGBA' if has_alpha else 'RGB'), np.uint8)


def _workdir_pngs(workdir: str) -> list[str]:
  found = []
  for root, dirs, files in os.walk(workdir):
    dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
    found += [
        os.path.relpath(os.path.join(root, f), workdir)
        for f in sorted(files)
        if f.lower().endswith('.png')
    ]
  return found


def _newest_checkpoint_step(workdir: str) -> int:
  try:
    names = os.listdir(os.path.join(workdir, 'checkpoints'))
  except OSError:
    return 0
  return max((int(n) for n in names if n.isdigit()), default=0)
