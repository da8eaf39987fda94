"""glibc malloc settings that let XLA:CPU reuse its memory between steps.

XLA:CPU allocates each execution's temporary buffer (654 MB for a CIFAR
ResNet-18 step at batch 128) and Eigen's convolution scratch buffers with
malloc on its worker threads, and frees them at the end. glibc serves such
large requests with a fresh mmap outside its heap, and a worker thread's
arena cannot hold them anyway, so every step page-faults all of that memory
in again: 768 MB of minor faults per ResNet-18 step, measured with
getrusage. Three mallopt settings make the freed memory stay in the main
heap and be reused: one arena for all threads, and mmap and trim thresholds
above the buffer sizes. That took the faults to 0 and ResNet-18 from 20.6
to 22.1 images/s on one core (jaxlib 0.10, glibc 2.36, BUILD.md).

The cost: the process keeps its peak heap instead of returning it to the
system, and all threads share one malloc lock (XLA's hot loops do not
allocate). mallopt only governs allocations made after the call, so
`tune_malloc` runs before jax starts its backend (jaxdl.cli.launch does this
for every launcher). Set JAXDL_MALLOC_TUNING=0 to leave malloc alone.
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


def should_tune(environ: Mapping[str, str], libc: str) -> bool:
  """Whether to tune: glibc (`platform.libc_ver()[0]`) and not opted out."""
  if environ.get(OPT_OUT_VARIABLE, '1').strip().lower() in ('0', 'false', 'no'):
    return False
  return libc == 'glibc'


def tune_malloc(environ: Mapping[str, str] | None = None) -> bool:
  """Applies SETTINGS with mallopt; True when every setting was accepted.

  Returns False, changing nothing, off glibc or with JAXDL_MALLOC_TUNING=0.
  """
  environ = os.environ if environ is None else environ
  if not should_tune(environ, platform.libc_ver()[0]):
    return False
  libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
  libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
  libc.mallopt.restype = ctypes.c_int
  return all([libc.mallopt(param, value) == 1 for param, value in SETTINGS])
