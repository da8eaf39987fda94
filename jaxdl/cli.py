"""What every launcher shares: tuned XLA:CPU flags and malloc, one line for a mistake."""
from __future__ import annotations

import sys
from typing import Any, Callable

from absl import app, logging

from jaxdl import host_memory, xla_cpu
from jaxdl.errors import JaxdlError


def run_or_exit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
  """Returns fn(*args, **kwargs); a JaxdlError becomes 'error: ...' and exit 1.

  Bad config values, unavailable datasets and NaN losses are the user's to
  act on, so they get one line naming the cause instead of a traceback.
  """
  try:
    return fn(*args, **kwargs)
  except JaxdlError as e:
    logging.flush()
    sys.exit(f'error: {e}')


def launch(main: Callable[[list[str]], Any]) -> None:
  """app.run(main) after the XLA:CPU and malloc tuning (before jax starts).

  Launchers call this instead of app.run so that every experiment gets the
  measured XLA:CPU flags (jaxdl.xla_cpu; JAXDL_XLA_CPU_TUNING=0 turns them
  off), JAXDL_HOST_DEVICES=N, which splits the CPU into N devices, and the
  malloc and CPU-dispatch settings that let XLA reuse its buffers
  (jaxdl.host_memory, after the XLA flags it reads the device count from;
  JAXDL_MALLOC_TUNING=0 turns them off).
  """
  run_or_exit(xla_cpu.tune_xla_cpu)
  mode = host_memory.tune_malloc()

  def logged_main(argv: list[str]) -> Any:
    # After flag parsing, so the line goes where absl's logging is set to go.
    logging.info('host memory mode: %s (jaxdl.host_memory)', mode)
    return main(argv)

  app.run(logged_main)
