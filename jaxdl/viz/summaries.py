"""TensorBoard-readable scalars and images (tensorboardX: no TensorFlow needed).

Only process 0 writes, so a multi-host run produces one event stream.
"""
from __future__ import annotations

import os

import jax
import numpy as np


class SummaryWriter:
  """Scalars (and images) to ``workdir/tensorboard``; a no-op off process 0."""

  def __init__(self, workdir: str, enabled: bool | None = None,
               purge_step: int | None = None):
    """purge_step: on resume, the step of the checkpoint resumed from;
    TensorBoard then drops events a killed run wrote after it."""
    self.enabled = jax.process_index() == 0 if enabled is None else enabled
    self._writer = None
    if self.enabled:
      from tensorboardX import SummaryWriter as _Writer  # deferred: optional cost
      self._writer = _Writer(logdir=os.path.join(workdir, 'tensorboard'),
                             purge_step=purge_step)

  def scalars(self, step: int, values: dict[str, float]) -> None:
    if self._writer is not None:
      for name, value in values.items():
        self._writer.add_scalar(name, float(value), global_step=int(step))

  def image(self, step: int, name: str, image: np.ndarray) -> None:
    """image: [H, W, C] float in [0, 1] or uint8."""
    if self._writer is not None:
      self._writer.add_image(name, np.asarray(image), global_step=int(step),
                             dataformats='HWC')

  def flush(self) -> None:
    if self._writer is not None:
      self._writer.flush()

  def close(self) -> None:
    if self._writer is not None:
      self._writer.close()
