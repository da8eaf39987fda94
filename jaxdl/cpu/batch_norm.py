"""Batch normalisation (notes 2.12) whose batch sums are matrix products on CPU.

XLA:CPU reduces a large activation over its batch and spatial axes several
times slower than it computes the same sums as a product with a ones matrix
(Eigen's GEMM; docs/benchmarks.md has the timings). Training BN needs four
such sums per layer: sum(x) and sum(x^2) forward, sum(dy) and sum(dy * x_hat)
backward. `batch_norm` computes all four as products, the backward through a
custom VJP (autodiff of the forward would bring the slow reductions back).

`BatchNorm` is a drop-in for the `flax.linen.BatchNorm` options jaxdl uses,
with the same variables ('scale', 'bias' params; 'mean', 'var' batch_stats),
so checkpoints and parameter counts are unchanged (the ResNets get it from
jaxdl.cpu.layers.norm_class). `stats='auto'` uses the products on CPU only:
on GPU and TPU, XLA's reductions are fast and a float32 product may run at
reduced precision.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax import lax

STATS = ('auto', 'gemm', 'xla')


def column_sums(a: jax.Array) -> jax.Array:
  """Sums a [rows, C] matrix over its rows as a GEMM: returns [C].

  The left operand has two rows of ones, not one: XLA:CPU sends a
  one-row product to a slower matrix-vector kernel.
  """
  ones = jnp.ones((2, a.shape[0]), a.dtype)
  return lax.dot(ones, a, precision=lax.Precision.HIGHEST)[0]


def _forward(x, scale, bias, epsilon):
  c = x.shape[-1]
  rows = x.reshape(-1, c)
  n = rows.shape[0]
  mean = column_sums(rows) / n
  # E[x^2] - E[x]^2, clipped at 0, as flax's BatchNorm (use_fast_variance).
  var = jnp.maximum(column_sums(rows * rows) / n - mean * mean, 0.0)
  inv = lax.rsqrt(var + epsilon)
  y = (x - mean) * (inv * scale) + bias
  return y, mean, var, inv


@functools.partial(jax.custom_vjp, nondiff_argnums=(3,))
def batch_norm(
    x: jax.Array, scale: jax.Array, bias: jax.Array, epsilon: float
) -> tuple[jax.Array, jax.Array, jax.Array]:
  """Training-mode BN over all axes but the last, with GEMM batch sums.

  Args:
    x: [..., C] float32 activations.
    scale, bias: [C] (gamma, beta).
    epsilon: added to the variance.

  Returns:
    (y, mean, var): y = (x - mean) / sqrt(var + epsilon) * scale + bias, the
    same shape as x; mean and the biased var are [C]. All three are
    differentiable (mean and var feed running averages, normally).
  """
  y, mean, var, _ = _forward(x, scale, bias, epsilon)
  return y, mean, var


def _batch_norm_fwd(x, scale, bias, epsilon):
  y, mean, var, inv = _forward(x, scale, bias, epsilon)
  return (y, mean, var), (x, scale, mean, inv)


def _batch_norm_bwd(epsilon, residuals, cotangents):
  del epsilon  # folded into inv
  x, scale, mean, inv = residuals
  gy, gmean, gvar = cotangents
  c = x.shape[-1]
  n = x.size // c
  x_hat = (x - mean) * inv
  gbias = column_sums(gy.reshape(-1, c))
  gscale = column_sums((gy * x_hat).reshape(-1, c))
  # d/dx of the normalised output (the textbook BN backward), plus the
  # paths through mean (1/n each) and var (2 (x - mean) / n).
  gx = (
      (scale * inv) * (gy - gbias / n - x_hat * (gscale / n))
      + gmean / n
      + (2.0 / n) * gvar * (x - mean)
  )
  return gx, gscale, gbias


batch_norm.defvjp(_batch_norm_fwd, _batch_norm_bwd)


def batch_norm_xla(
    x: jax.Array, scale: jax.Array, bias: jax.Array, epsilon: float
) -> tuple[jax.Array, jax.Array, jax.Array]:
  """`batch_norm` with XLA's reductions and plain autodiff (same math)."""
  axes = tuple(range(x.ndim - 1))
  mean = jnp.mean(x, axes)
  var = jnp.maximum(jnp.mean(x * x, axes) - mean * mean, 0.0)
  y = (x - mean) * (lax.rsqrt(var + epsilon) * scale) + bias
  return y, mean, var


def resolve_stats(stats: str) -> str:
  """'auto' -> 'gemm' on CPU, else 'xla'; validates the name."""
  if stats not in STATS:
    raise ValueError(f'stats must be one of {STATS}, got {stats!r}')
  if stats == 'auto':
    return 'gemm' if jax.default_backend() == 'cpu' else 'xla'
  return stats


class BatchNorm(nn.Module):
  """BN over all axes but the last (features), with running averages.

  Training (`use_running_average=False`) normalises with the batch
  statistics and, outside init, updates batch_stats 'mean' and 'var':
  new = momentum * old + (1 - momentum) * batch value (flax's convention;
  PyTorch's momentum 0.1 is 0.9 here). Evaluation uses the running averages.
  Statistics are float32 whatever `dtype`; the output is `dtype` (default:
  the input's).
  """

  use_running_average: bool = False
  momentum: float = 0.99
  epsilon: float = 1e-5
  dtype: Any = None
  scale_init: Callable[..., jax.Array] = nn.initializers.ones
  bias_init: Callable[..., jax.Array] = nn.initializers.zeros
  stats: str = 'auto'  # 'auto' | 'gemm' (batch sums as products) | 'xla'

  @nn.compact
  def __call__(self, x: jax.Array) -> jax.Array:
    """[..., C] -> [..., C]."""
    stats = resolve_stats(self.stats)
    c = x.shape[-1]
    ra_mean = self.variable('batch_stats', 'mean', jnp.zeros, (c,), jnp.float32)
    ra_var = self.variable('batch_stats', 'var', jnp.ones, (c,), jnp.float32)
    scale = self.param('scale', self.scale_init, (c,), jnp.float32)
    bias = self.param('bias', self.bias_init, (c,), jnp.float32)
    x32 = x.astype(jnp.float32)
    if self.use_running_average:
      y = (x32 - ra_mean.value) * (lax.rsqrt(ra_var.value + self.epsilon) * scale) + bias
    else:
      fn = batch_norm if stats == 'gemm' else batch_norm_xla
      y, mean, var = fn(x32, scale, bias, self.epsilon)
      if not self.is_initializing():
        m = self.momentum
        ra_mean.value = m * ra_mean.value + (1.0 - m) * mean
        ra_var.value = m * ra_var.value + (1.0 - m) * var
    return y.astype(self.dtype or x.dtype)
