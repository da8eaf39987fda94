"""XLA:CPU flags that keep convolutions, dots and reductions in XLA's own kernels.

jaxlib 0.10 hands each convolution, dot and reduction to YNNPACK
("__ynn_fusion" in the compiled HLO), which ran the 64-channel 3x3
convolutions of a CIFAR ResNet on one core where XLA's Eigen convolution
splits them over the intra-op thread pool; keeping them in XLA made CIFAR
ResNet-18 and LeNet-5 training faster (launch/bench_vs_torch.py;
docs/benchmarks.md has the figures).

XLA reads XLA_FLAGS once, when jax starts its first backend, so the flags
must be in the environment before the first computation; `tune_xla_cpu` is
called by jaxdl.cpu.tune_process (every launcher, through jaxdl.cli.launch)
and may be called first thing by library users. An XLA flag that a jaxlib
does not know aborts the process, so the flags are only added for jaxlib
versions where they were measured (`TUNED_JAXLIB`); a flag the user already
set in XLA_FLAGS wins. Set JAXDL_XLA_CPU_TUNING=0 to turn the tuning off.

JAXDL_HOST_DEVICES=N (opt-in) also splits the CPU into N single-threaded XLA
devices, over which the core's data-parallel step shards every batch: XLA
gains little from a second thread (the batch size must divide by N).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping

from jaxdl.errors import ConfigError

# jaxlib (major, minor) versions whose XLA knows these flags and was measured.
TUNED_JAXLIB = ((0, 10),)
# Keep convolutions, dots and reductions away from YNNPACK: XLA's Eigen
# kernels use every core where YNNPACK used one. Reductions: XLA's own fuse
# into LeNet-5's pooling. XLA's large reductions are slow, so the ResNets'
# BatchNorm sums them as GEMMs instead (jaxdl.cpu.batch_norm).
TUNED_FLAGS = (
    '--xla_cpu_experimental_ynn_fusion_type=' '-individual_convolution,-individual_dot,-reduce',
)
OPT_OUT_VARIABLE = 'JAXDL_XLA_CPU_TUNING'
DEVICE_COUNT_FLAG = '--xla_force_host_platform_device_count'
HOST_DEVICES_VARIABLE = 'JAXDL_HOST_DEVICES'


def _flag_name(flag: str) -> str:
  return flag.split('=', 1)[0]


def tuned_xla_flags(xla_flags: str, flags: tuple[str, ...] = TUNED_FLAGS) -> str:
  """XLA_FLAGS with `flags` appended, except those whose name is already set.

  Args:
    xla_flags: the current value of XLA_FLAGS ('' when unset).
    flags: '--name=value' strings to add.

  Returns:
    The new XLA_FLAGS value; the user's own setting of a flag is kept.
  """
  present = {_flag_name(f) for f in xla_flags.split()}
  extra = [f for f in flags if _flag_name(f) not in present]
  return ' '.join([xla_flags.strip(), *extra]).strip()


def host_device_flags(count: int) -> tuple[str, ...]:
  """XLA flags for `count` single-threaded CPU devices (one per core)."""
  if not isinstance(count, int) or count < 1:
    raise ConfigError(f'{HOST_DEVICES_VARIABLE} must be a whole number >= 1, ' f'got {count!r}')
  return (f'{DEVICE_COUNT_FLAG}={count}', '--xla_cpu_multi_thread_eigen=false')


def cpu_device_count(environ: Mapping[str, str]) -> int:
  """CPU devices jax will create, from XLA_FLAGS (the last setting wins)."""
  count = 1
  for flag in environ.get('XLA_FLAGS', '').split():
    if _flag_name(flag) == DEVICE_COUNT_FLAG:
      try:
        count = int(flag.split('=', 1)[1])
      except (IndexError, ValueError):
        pass  # XLA itself rejects it at start-up
  return count


def _host_devices(environ: Mapping[str, str]) -> int:
  raw = environ.get(HOST_DEVICES_VARIABLE, '').strip()
  if not raw:
    return 0
  try:
    count = int(raw)
  except ValueError:
    count = raw
  host_device_flags(count)  # validates
  return count


def jaxlib_version() -> tuple[int, int]:
  """(major, minor) of the installed jaxlib."""
  import jaxlib  # pylint: disable=import-outside-toplevel

  major, minor = jaxlib.__version__.split('.')[:2]
  return int(major), int(minor)


def backends_started() -> bool:
  """Whether jax has already created its backends (XLA_FLAGS is then read)."""
  try:
    from jax._src import xla_bridge  # pylint: disable=import-outside-toplevel

    return bool(xla_bridge.backends_are_initialized())
  except (ImportError, AttributeError):  # a jax without that helper
    return False


def should_tune(environ: Mapping[str, str], version: tuple[int, int]) -> bool:
  """Whether to add TUNED_FLAGS: not opted out, and a measured jaxlib."""
  if environ.get(OPT_OUT_VARIABLE, '1').strip().lower() in ('0', 'false', 'no'):
    return False
  return version in TUNED_JAXLIB


def tune_xla_cpu(environ: MutableMapping[str, str] | None = None) -> bool:
  """Adds TUNED_FLAGS to XLA_FLAGS before jax starts; True when they apply.

  With JAXDL_HOST_DEVICES=N set, also adds `host_device_flags(N)` (long-lived
  XLA flags, so on any jaxlib and even when the tuning is opted out). Returns
  False when TUNED_FLAGS were not added: opted out, an unmeasured jaxlib, or
  jax's backends already started (then nothing changes: XLA would not read it).

  Raises:
    ConfigError: JAXDL_HOST_DEVICES is not a whole number >= 1.
  """
  environ = os.environ if environ is None else environ
  host_devices = _host_devices(environ)
  if backends_started():
    return False
  tune = should_tune(environ, jaxlib_version())
  flags = (TUNED_FLAGS if tune else ()) + (host_device_flags(host_devices) if host_devices else ())
  if flags:
    environ['XLA_FLAGS'] = tuned_xla_flags(environ.get('XLA_FLAGS', ''), flags)
  return tune
