"""What a training run reports about its speed: throughput, input wait, MFU, traces.

``StepWindow`` accumulates the steps of one logging window and the host
time spent waiting for their batches; ``summary`` turns it into steps/s,
examples/s, the input-wait share and, given the FLOPs of the compiled step
(jaxdl.train.flops) and a peak, the achieved FLOP/s and MFU. ``Profiler``
writes a ``jax.profiler`` trace of a few steps into the workdir.
"""

from __future__ import annotations

import os
import time

import jax
from absl import logging

from jaxdl.train import flops as flops_lib


class StepWindow:
  """Steps, wall time and input wait since the last ``reset``."""

  def __init__(
      self,
      global_batch_size: int,
      flops_per_step: float | None = None,
      peak_flops: float | None = None,
  ):
    self.batch_size = global_batch_size
    self.flops_per_step = flops_per_step  # per device
    self.peak_flops = peak_flops  # per device
    self.reset()

  def reset(self) -> None:
    self.t0 = time.perf_counter()
    self.steps = 0
    self.wait_s = 0.0

  def waited(self, seconds: float) -> None:
    """Host time blocked on the next batch (the prefetcher had none ready)."""
    self.wait_s += seconds

  def stepped(self) -> None:
    self.steps += 1

  def summary(self) -> dict[str, float]:
    """{'steps_per_s', 'examples_per_s', 'input_wait', ['tflops_per_s', 'mfu']}.

    Call after the window's results were fetched (the steps have finished).
    """
    wall = max(time.perf_counter() - self.t0, 1e-9)
    out = {
        'steps_per_s': self.steps / wall,
        'examples_per_s': self.steps * self.batch_size / wall,
        'input_wait': min(self.wait_s / wall, 1.0),
    }
    if self.flops_per_step and self.steps:
      step_s = wall / self.steps
      out['tflops_per_s'] = self.flops_per_step / step_s / 1e12
      utilisation = flops_lib.mfu(self.flops_per_step, step_s, self.peak_flops)
      if utilisation is not None:
        out['mfu'] = utilisation
    return out


class Profiler:
  """A ``jax.profiler`` trace of steps [start, start + num_steps) in workdir/profile.

  ``num_steps`` 0 traces nothing. Open the trace with TensorBoard's profile
  plugin or Perfetto.
  """

  def __init__(self, workdir: str, start: int, num_steps: int):
    self.dir = os.path.join(workdir, 'profile')
    self.start, self.stop = start, start + num_steps
    self.active = False

  def before_step(self, step: int) -> None:
    """``step``: the index of the step about to run (0-based)."""
    if self.stop > self.start and step == self.start and not self.active:
      jax.profiler.start_trace(self.dir)
      self.active = True

  def after_step(self, step: int, outputs) -> None:
    """``step``: the number of steps done."""
    if self.active and step >= self.stop:
      jax.block_until_ready(outputs)
      self.close()
      logging.info('profile of steps %d-%d written to %s', self.start + 1, self.stop, self.dir)

  def close(self) -> None:
    if self.active:
      jax.profiler.stop_trace()
      self.active = False
