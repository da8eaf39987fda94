"""glibc malloc settings (and CPU dispatch) that let XLA:CPU reuse its memory between steps.

XLA:CPU allocates each execution's temporary buffer and Eigen's convolution
scratch buffers with malloc, and frees them at the end of the step. glibc
serves such large requests with a fresh mmap outside its heap, and a worker
thread's arena cannot hold them anyway, so every step page-faults all of
that memory in again. What keeps the memory depends on how many CPUs the
process may use (its affinity mask, as `taskset -c 0` or a batch job sets
it); docs/benchmarks.md has the page faults and speed of each case:

- One CPU: one arena for all threads, and mmap and trim thresholds above
  the buffer sizes (`SETTINGS`). The freed memory stays in the main heap.
- Several CPUs, one CPU device: one arena would make all threads share one
  malloc lock, and XLA's threads allocate at the same time, so each wait is
  a sleep and a wake-up. So only the two thresholds are set, and CPU
  dispatch is made synchronous (`jax_cpu_enable_async_dispatch=False`).
  XLA then runs each step, and allocates its temporary buffer, on the
  calling thread, whose main arena keeps it.
- Several CPU devices (XLA_FLAGS=--xla_force_host_platform_device_count=N,
  JAXDL_HOST_DEVICES=N): nothing. Synchronous dispatch would run one
  device's part on the calling thread while the others wait for it in
  their first all-reduce: 8 simulated devices deadlocked.
- A GPU or TPU backend (`cpu_backend`): nothing; the step's buffers are not
  in host memory there.

mallopt only governs allocations made after the call, and jax reads the
dispatch setting when it starts its CPU backend, so `tune_malloc` runs
before that (jaxdl.cpu.tune_process does this for every launcher, after
jaxdl.cpu.xla_flags has set XLA_FLAGS). Set JAXDL_MALLOC_TUNING=0 to leave
both alone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.metadata
import importlib.util
import os
import pkgutil
import platform
from collections.abc import Mapping

from jaxdl.cpu import xla_flags

OPT_OUT_VARIABLE = 'JAXDL_MALLOC_TUNING'
# mallopt parameter numbers from glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
# mallopt takes an int: the largest threshold it can express (2 GiB - 1).
# Buffers above it still come from mmap, as before.
THRESHOLD_BYTES = 2**31 - 1
THRESHOLDS = ((M_MMAP_THRESHOLD, THRESHOLD_BYTES), (M_TRIM_THRESHOLD, THRESHOLD_BYTES))
SETTINGS = ((M_ARENA_MAX, 1), *THRESHOLDS)

# What tune_malloc does; see the module docstring.
ONE_ARENA = 'one_arena'  # one usable CPU: SETTINGS
SYNC_DISPATCH = 'sync_dispatch'  # several CPUs, one CPU device: THRESHOLDS
UNTOUCHED = 'untouched'  # opted out, not glibc, several CPU devices or not on CPU


def usable_cpus() -> int:
  """CPUs this process may run on (its affinity mask; os.cpu_count() without one)."""
  try:
    return len(os.sched_getaffinity(0))
  except AttributeError:  # no sched_getaffinity (macOS)
    return os.cpu_count() or 1


def accelerator_plugins() -> bool:
  """Whether a jax accelerator plugin (GPU, TPU) is installed.

  Looks where jax looks at start-up, without importing any plugin: the
  `jax_plugins` namespace package, the `jax_plugins` entry points, libtpu.
  """
  spec = importlib.util.find_spec('jax_plugins')
  if spec is not None and spec.submodule_search_locations:
    if any(True for _ in pkgutil.iter_modules(spec.submodule_search_locations)):
      return True
  if importlib.metadata.entry_points(group='jax_plugins'):
    return True
  return importlib.util.find_spec('libtpu') is not None


def cpu_backend(environ: Mapping[str, str]) -> bool:
  """Whether jax's default backend will be the CPU.

  JAX_PLATFORMS decides when set (its first entry is the default);
  otherwise the CPU is the default unless an accelerator plugin is installed.
  """
  platforms = [p.strip() for p in environ.get('JAX_PLATFORMS', '').split(',') if p.strip()]
  if platforms:
    return platforms[0] == 'cpu'
  return not accelerator_plugins()


def choose_mode(
    environ: Mapping[str, str], libc: str, cpus: int, devices: int, on_cpu: bool = True
) -> str:
  """ONE_ARENA, SYNC_DISPATCH or UNTOUCHED for this process.

  Args:
    environ: where JAXDL_MALLOC_TUNING is read.
    libc: `platform.libc_ver()[0]` ('glibc' or '').
    cpus: CPUs the process may use.
    devices: CPU devices jax will create.
    on_cpu: whether jax computes on the CPU (`cpu_backend`): on a GPU or TPU
      the step's buffers are not in host memory, and malloc is left alone.
  """
  if environ.get(OPT_OUT_VARIABLE, '1').strip().lower() in ('0', 'false', 'no'):
    return UNTOUCHED
  if libc != 'glibc' or not on_cpu:
    return UNTOUCHED
  if cpus == 1:
    return ONE_ARENA
  return SYNC_DISPATCH if devices == 1 else UNTOUCHED


def _mallopt(settings) -> bool:
  libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
  libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
  libc.mallopt.restype = ctypes.c_int
  return all([libc.mallopt(param, value) == 1 for param, value in settings])


def apply_settings() -> bool:
  """Applies SETTINGS with mallopt, unconditionally; True when all were accepted.

  Raises:
    OSError: no C library with mallopt (not glibc).
  """
  return _mallopt(SETTINGS)


def tune_malloc(environ: Mapping[str, str] | None = None, cpus: int | None = None) -> str:
  """Applies `choose_mode`'s settings before jax starts; returns the mode.

  Args:
    environ: where JAXDL_MALLOC_TUNING and XLA_FLAGS are read (default
      os.environ).
    cpus: usable CPUs (default `usable_cpus()`, read now: set the affinity
      first).

  Returns UNTOUCHED, changing nothing, off glibc, off the CPU backend or with
  JAXDL_MALLOC_TUNING=0.
  With several CPU devices it also turns asynchronous dispatch back on if it
  is off (whoever turned it off: it would deadlock), so calling it again
  after XLA_FLAGS gained devices, before jax starts, is safe; malloc
  thresholds set by an earlier call stay, which is harmless.
  """
  import jax  # pylint: disable=import-outside-toplevel

  environ = os.environ if environ is None else environ
  cpus = usable_cpus() if cpus is None else cpus
  devices = xla_flags.cpu_device_count(environ)
  mode = choose_mode(environ, platform.libc_ver()[0], cpus, devices, cpu_backend(environ))
  if mode == ONE_ARENA:
    _mallopt(SETTINGS)
  elif mode == SYNC_DISPATCH:
    _mallopt(THRESHOLDS)
    jax.config.update('jax_cpu_enable_async_dispatch', False)
  if devices > 1 and not jax.config.read('jax_cpu_enable_async_dispatch'):
    jax.config.update('jax_cpu_enable_async_dispatch', True)
  return mode
