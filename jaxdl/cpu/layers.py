"""The hook through which model files get a CPU variant of a layer.

A model keeps an `impl` field and calls these at trace time: the default
'auto' gives a CPU variant on the CPU backend and flax's own layer
elsewhere; 'xla' always gives flax's layer. Every variant has the variables
of the flax layer it stands in for, so a model's parameter tree is the same
whichever is picked. Why each variant is faster: its module (jaxdl.cpu.*)
and docs/benchmarks.md.
"""

from __future__ import annotations

import functools
from typing import Any

import flax.linen as nn
import jax

from jaxdl.cpu import banded_conv, batch_norm, gemm_copy, patch_conv

# conv_impl names: flax's convolution, im2col, banded (Toeplitz) products.
CONV_IMPLS = ('auto', 'xla', 'patches', 'banded')
# norm impl names: 'gemm' = BatchNorm with GEMM batch sums (and GEMM copies
# of conv inputs, `conv_input`), 'xla' = flax's BatchNorm.
NORM_IMPLS = batch_norm.STATS


def on_cpu() -> bool:
  """Whether jax computes on the CPU (its default backend)."""
  return jax.default_backend() == 'cpu'


def _gemm(impl: str) -> bool:
  """Whether a norm impl means the GEMM variants here; validates the name."""
  if impl not in NORM_IMPLS:
    raise ValueError(f'impl must be one of {NORM_IMPLS}, got {impl!r}')
  return batch_norm.resolve_stats(impl) == 'gemm'


def conv_class(impl: str = 'auto') -> Any:
  """The convolution module for `impl`, constructed like nn.Conv.

  Args:
    impl: one of CONV_IMPLS. 'auto' is the banded product on the CPU backend
      (it pays for small images with few channels, as LeNet-5's; it does
      W/f times the multiply-adds) and nn.Conv elsewhere.

  Returns:
    nn.Conv, patch_conv.PatchConv or banded_conv.BandedConv.

  Raises:
    ValueError: an unknown impl.
  """
  convs = {'xla': nn.Conv, 'patches': patch_conv.PatchConv, 'banded': banded_conv.BandedConv}
  if impl == 'auto':
    impl = 'banded' if on_cpu() else 'xla'
  if impl not in convs:
    raise ValueError(f'conv_impl must be one of {CONV_IMPLS}, got {impl!r}')
  return convs[impl]


def norm_class(impl: str = 'auto') -> Any:
  """The batch-norm module for `impl`, constructed like nn.BatchNorm.

  Args:
    impl: one of NORM_IMPLS. 'auto' is 'gemm' on the CPU backend, else 'xla'.

  Returns:
    batch_norm.BatchNorm with GEMM batch sums ('gemm') or nn.BatchNorm.

  Raises:
    ValueError: an unknown impl.
  """
  if _gemm(impl):
    return functools.partial(batch_norm.BatchNorm, stats='gemm')
  return nn.BatchNorm


def conv_input(x: jax.Array, impl: str = 'auto') -> jax.Array:
  """x, as a GEMM copy where that speeds up a following conv's kernel gradient.

  Args:
    x: [N, H, W, C] input of a 2-D convolution.
    impl: the model's norm impl (NORM_IMPLS): the copy goes with 'gemm'.

  Returns:
    x itself, or `gemm_copy.gemm_copy(x)` (the same values) when impl
    resolves to 'gemm' and `gemm_copy.worth_copy(x)`.
  """
  if _gemm(impl) and gemm_copy.worth_copy(x):
    return gemm_copy.gemm_copy(x)
  return x
