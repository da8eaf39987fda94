"""An identity that XLA:CPU computes as a GEMM, so a conv's kernel gradient is cheap.

XLA:CPU computes a convolution's kernel gradient as a convolution with batch
and features swapped, whose input must be laid out [C, H, W, N]; the copy
from [N, H, W, C] is fused with the element-wise ops that made the
activation (BN, ReLU, the residual additions of the blocks before it), and
that fused transposing loop is several times slower than the same copy
from a materialised array (docs/benchmarks.md has the CIFAR ResNet-18
timings).

`gemm_copy(x)` returns x as the product x @ I. XLA cannot fuse through a
GEMM, so the activation is materialised once and its transposed copy is a
plain one. The product costs 2 C flops per element, so it pays at 64 and 128 channels
and not above (`worth_copy`). The custom VJP passes the cotangent straight
through: the backward needs no product. Values are exact: each output is
one input times 1.0 plus zeros, except that -0 and subnormal inputs come out
as +0 (the GEMM flushes subnormals to zero).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

# Channel counts where the product was measured to pay (CIFAR ResNet-18,
# one core): 64 and 128 gained, 256 and 512 lost. Below 16 (images) the
# copies are small anyway.
MIN_CHANNELS, MAX_CHANNELS = 16, 128


@jax.custom_vjp
def gemm_copy(x: jax.Array) -> jax.Array:
  """x (any shape [..., C]) computed as reshape(x, [-1, C]) @ I_C; same value."""
  c = x.shape[-1]
  eye = jnp.eye(c, dtype=x.dtype)
  return lax.dot(x.reshape(-1, c), eye, precision=lax.Precision.HIGHEST).reshape(x.shape)


def _gemm_copy_fwd(x):
  return gemm_copy(x), None


def _gemm_copy_bwd(_, g):
  return (g,)


gemm_copy.defvjp(_gemm_copy_fwd, _gemm_copy_bwd)


def worth_copy(x: jax.Array) -> bool:
  """Whether `gemm_copy` pays before an XLA:CPU 2-D conv on x ([N, H, W, C])."""
  return x.ndim == 4 and MIN_CHANNELS <= x.shape[-1] <= MAX_CHANNELS
