"""Model FLOPs of a compiled step, the device's peak, and MFU.

MFU (model FLOPs utilisation) = FLOPs the step performs / step time / the
device's peak FLOP/s. The FLOPs come from XLA's cost analysis of the
compiled step (the program one device runs, so per device); the peak from
the vendors' dense (no sparsity) figures below, by ``device_kind`` and
computation dtype, or from ``measured_matmul_peak`` where the table has no
entry (every CPU). Float32 matmuls on NVIDIA GPUs from Ampere on run as
TF32 under JAX's default precision, so float32 is measured against the
TF32 peak there.
"""

from __future__ import annotations

import time
from typing import Any

import jax
import jax.numpy as jnp

# Dense FLOP/s from the vendors' datasheets: {device_kind prefix: {dtype: peak}}.
PEAK_FLOPS: dict[str, dict[str, float]] = {
    'NVIDIA H200': {'bfloat16': 989e12, 'float16': 989e12, 'float32': 494e12},
    'NVIDIA H100': {'bfloat16': 989e12, 'float16': 989e12, 'float32': 494e12},  # SXM
    'NVIDIA A100': {'bfloat16': 312e12, 'float16': 312e12, 'float32': 156e12},
    'NVIDIA L4': {'bfloat16': 121e12, 'float16': 121e12, 'float32': 60e12},
    'NVIDIA A10': {'bfloat16': 125e12, 'float16': 125e12, 'float32': 62.5e12},
    'Tesla V100': {'float16': 125e12, 'float32': 15.7e12},
    'TPU v4': {'bfloat16': 275e12},
    'TPU v5 lite': {'bfloat16': 197e12},
    'TPU v5': {'bfloat16': 459e12},
    'TPU v6 lite': {'bfloat16': 918e12},
}


def compiled_flops(compiled: Any) -> float | None:
  """FLOPs of one call of a compiled step per device (XLA's cost analysis).

  ``compiled`` is ``jitted.lower(*args).compile()``; None where the backend
  reports no count (cost analysis is best effort by jax's contract).
  """
  try:
    analysis = compiled.cost_analysis()
  except Exception:  # pylint: disable=broad-except
    return None
  if isinstance(analysis, (list, tuple)):  # older jaxlibs: one dict per program
    analysis = analysis[0] if analysis else None
  flops = (analysis or {}).get('flops')
  return float(flops) if flops and flops > 0 else None


def step_flops(jitted: Any, *args: Any) -> float | None:
  """``compiled_flops`` of ``jitted`` lowered and compiled for ``args``."""
  return compiled_flops(jitted.lower(*args).compile())


def model_flops(jitted: Any, *args: Any) -> float | None:
  """FLOPs of one call of ``jitted(*args)`` on the whole mesh.

  From the cost analysis of the lowered (not yet partitioned or optimised)
  program: the computation the model asks for, costing a trace but no
  compilation. Divide by the device count for a per-device figure.
  """
  try:
    analysis = jitted.lower(*args).cost_analysis()
  except Exception:  # pylint: disable=broad-except
    return None
  flops = (analysis or {}).get('flops') if isinstance(analysis, dict) else None
  return float(flops) if flops and flops > 0 else None


def table_peak(device_kind: str, dtype: str) -> float | None:
  """The datasheet peak FLOP/s of one device for ``dtype``, or None."""
  for prefix in sorted(PEAK_FLOPS, key=len, reverse=True):  # 'TPU v5 lite' before 'TPU v5'
    if device_kind.startswith(prefix):
      return PEAK_FLOPS[prefix].get(dtype)
  return None


def measured_matmul_peak(
    dtype: str = 'float32', size: int = 0, repeats: int = 5, device: Any = None
) -> float:
  """FLOP/s of a square matmul on one device: a reachable peak, measured now.

  ``size`` 0 picks 8192 on accelerators and 1024 on CPU.
  """
  device = device or jax.devices()[0]
  size = size or (1024 if device.platform == 'cpu' else 8192)
  key = jax.random.key(0)
  a = jax.device_put(jax.random.normal(key, (size, size), dtype), device)
  b = jax.device_put(jax.random.normal(jax.random.fold_in(key, 1), (size, size), dtype), device)
  matmul = jax.jit(jnp.matmul)
  matmul(a, b).block_until_ready()  # compile and warm up
  best = float('inf')
  for _ in range(repeats):
    t0 = time.perf_counter()
    matmul(a, b).block_until_ready()
    best = min(best, time.perf_counter() - t0)
  return 2.0 * size**3 / best


def mfu(flops_per_step: float | None, step_seconds: float, peak: float | None) -> float | None:
  """Model FLOPs utilisation in [0, 1] (None when FLOPs or peak are unknown)."""
  if not flops_per_step or not peak or step_seconds <= 0:
    return None
  return flops_per_step / step_seconds / peak


def device_peak(dtype: str, device: Any = None) -> tuple[float, str]:
  """(peak FLOP/s, where it comes from): the datasheet, else a measured matmul."""
  device = device or jax.devices()[0]
  peak = table_peak(device.device_kind, dtype)
  if peak:
    return peak, 'datasheet'
  return measured_matmul_peak(dtype, device=device), 'measured matmul'
