"""glibc malloc settings that let XLA:CPU reuse its memory between steps (one CPU).

XLA:CPU allocates each execution's temporary buffer (654 MB for a CIFAR
ResNet-18 step at batch 128) and Eigen's convolution scratch buffers with
malloc on its worker threads, and frees them at the end. glibc serves such
large requests with a fresh mmap outside its heap, and a worker thread's
arena cannot hold them anyway, so every step page-faults all of that memory
in again: 768 MB of minor faults per ResNet-18 step, measured with
getrusage. Three mallopt settings make the freed memory stay in the main
heap and be reused: one arena for all threads, and mmap and trim thresholds
above the buffer sizes. On one core that took the faults to 0 and ResNet-18
from 24 to 25-26 images/s (jaxlib 0.10, glibc 2.36, BUILD.md).

With more than one usable CPU the same settings cost more than they save:
all threads then share one malloc lock, XLA's threads do allocate at the
same time, and each wait is a sleep and a wake-up. On 2 cores LeNet-5 made
~100 voluntary context switches per step instead of ~12 and ran at 11,000-
13,600 instead of 13,600-17,500 images/s, while ResNet-18 gained nothing
(41-43 against 44-45 images/s). So `tune_malloc` applies them only when the
process may run on one CPU (its affinity mask, as `taskset -c 0` or a
one-CPU batch job sets it).

mallopt only governs allocations made after the call, so `tune_malloc` runs
before jax starts its backend (jaxdl.cli.launch does this for every
launcher). Set JAXDL_MALLOC_TUNING=0 to leave malloc alone.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
from collections.abc import Mapping

OPT_OUT_VARIABLE = 'JAXDL_MALLOC_TUNING'
# mallopt parameter numbers from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
# mallopt takes an int: the largest threshold it can express (2 GiB - 1).
# Buffers above it still come from mmap, as before.
THRESHOLD_BYTES = 2**31 - 1
SETTINGS = ((M_ARENA_MAX, 1), (M_MMAP_THRESHOLD, THRESHOLD_BYTES),
            (M_TRIM_THRESHOLD, THRESHOLD_BYTES))


def usable_cpus() -> int:
  """CPUs this process may run on (its affinity mask; os.cpu_count() without one)."""
  try:
    return len(os.sched_getaffinity(0))
  except AttributeError:  # no sched_getaffinity (macOS)
    return os.cpu_count() or 1


def should_tune(environ: Mapping[str, str], libc: str, cpus: int) -> bool:
  """Whether to tune: glibc (`platform.libc_ver()[0]`), one usable CPU, not opted out."""
  if environ.get(OPT_OUT_VARIABLE, '1').strip().lower() in ('0', 'false', 'no'):
    return False
  return libc == 'glibc' and cpus == 1


def apply_settings() -> bool:
  """Applies SETTINGS with mallopt, unconditionally; True when all were accepted.

  Raises:
    OSError: no C library with mallopt (not glibc).
  """
  libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
  libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
  libc.mallopt.restype = ctypes.c_int
  return all([libc.mallopt(param, value) == 1 for param, value in SETTINGS])


def tune_malloc(environ: Mapping[str, str] | None = None,
                cpus: int | None = None) -> bool:
  """Applies SETTINGS when `should_tune`; True when every setting was accepted.

  Args:
    environ: where JAXDL_MALLOC_TUNING is read (default os.environ).
    cpus: usable CPUs (default `usable_cpus()`, read now: set the affinity
      first).

  Returns False, changing nothing, off glibc, with more than one usable CPU
  or with JAXDL_MALLOC_TUNING=0.
  """
  environ = os.environ if environ is None else environ
  cpus = usable_cpus() if cpus is None else cpus
  if not should_tune(environ, platform.libc_ver()[0], cpus):
    return False
  return apply_settings()
