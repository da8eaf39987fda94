"""CPU tuning: everything jaxdl does only to make XLA:CPU fast, in one place.

What is in the room:
- `xla_flags`: XLA_FLAGS that keep convolutions, dots and reductions in
  XLA's own multi-threaded kernels, and JAXDL_HOST_DEVICES=N (N
  single-threaded CPU devices).
- `host_memory`: glibc malloc thresholds / one arena and synchronous CPU
  dispatch, so that XLA reuses its step buffers instead of page-faulting
  them in again every step.
- `layers`: the one hook through which model files ask for a CPU variant of
  a layer (`conv_class`, `norm_class`, `conv_input`); everything else in a
  model is plain flax.
- The variants it hands out: `banded_conv` (convolution as a Toeplitz
  product, for few channels), `patch_conv` (im2col), `batch_norm` (batch
  sums as GEMMs, custom VJP) and `gemm_copy` (materialises a conv input so
  its kernel gradient's transpose is cheap). Each has the variables of the
  flax layer it replaces, so parameter trees and checkpoints do not depend
  on the platform.

When it applies: only on the CPU backend. `tune_process` is the one switch
for the process settings; every launcher calls it through jaxdl.cli.launch,
before jax starts, and a notebook may call it first thing. It changes
nothing on GPU or TPU (the XLA:CPU flags are not read there, malloc is left
alone). The layer variants are picked by a model's impl='auto' only when
`jax.default_backend()` is 'cpu'.

How to turn it off: JAXDL_XLA_CPU_TUNING=0 (XLA flags), JAXDL_MALLOC_TUNING=0
(malloc and dispatch), and impl='xla' / conv_impl='xla' on a model (flax's
nn.Conv and nn.BatchNorm; the same variables and values). docs/benchmarks.md
has the measurements behind each piece.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import NamedTuple

from jaxdl.cpu import host_memory, xla_flags


class Tuning(NamedTuple):
  """What `tune_process` did."""

  xla_flags: bool  # whether xla_flags.TUNED_FLAGS were added to XLA_FLAGS
  host_memory: str  # host_memory's mode: ONE_ARENA, SYNC_DISPATCH, UNTOUCHED


def tune_process(environ: MutableMapping[str, str] | None = None) -> Tuning:
  """Applies the XLA:CPU flags, then the malloc/dispatch mode, before jax starts.

  The order matters: the malloc mode reads the CPU device count from the
  XLA_FLAGS that the first step may have extended (JAXDL_HOST_DEVICES).

  Args:
    environ: where the opt-outs, JAXDL_HOST_DEVICES and XLA_FLAGS are read
      and XLA_FLAGS written (default os.environ).

  Returns:
    A `Tuning` saying what applied.

  Raises:
    ConfigError: JAXDL_HOST_DEVICES is not a whole number >= 1.
  """
  environ = os.environ if environ is None else environ
  flags = xla_flags.tune_xla_cpu(environ)
  return Tuning(flags, host_memory.tune_malloc(environ))
