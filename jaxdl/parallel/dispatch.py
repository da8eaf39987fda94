"""A bound on how many dispatched jitted steps may be unfinished at once.

JAX dispatches jitted steps asynchronously, which keeps the host ahead of
the devices. On XLA:CPU with several (simulated) devices, every device of a
step must reach its all-reduce together; with dozens of steps queued, the
worker threads can all block inside later steps' collectives while one device
of an earlier step waits for a thread, and XLA aborts with a rendezvous
timeout (BUILD.md, "A bound on steps in flight", has the case). A few steps
in flight is all the pipelining any backend needs.
"""

from __future__ import annotations

import collections
from typing import Any

import jax

MAX_IN_FLIGHT = 4


class DispatchLimiter:
  """Call with an output of each dispatched step; waits when too many are pending."""

  def __init__(self, max_in_flight: int = MAX_IN_FLIGHT):
    if max_in_flight < 1:
      raise ValueError(f'max_in_flight must be >= 1, got {max_in_flight}')
    self.max_in_flight = max_in_flight
    self._pending: collections.deque = collections.deque()

  def __call__(self, step_output: Any) -> None:
    """Records ``step_output`` (any array the step produced) and bounds the queue."""
    self._pending.append(step_output)
    while len(self._pending) > self.max_in_flight:
      jax.block_until_ready(self._pending.popleft())
