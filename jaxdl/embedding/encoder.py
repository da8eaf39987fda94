"""Siamese encoder: one network f mapping every input to a unit-norm embedding (notes 4.13).

"Siamese" means the same parameters are applied to each image of a pair or
triplet; in JAX that is simply calling the same `apply` on a stacked batch.
Embeddings are L2-normalised so squared distances lie in [0, 4] and the
triplet margin alpha = 0.2 has a fixed scale.
"""

from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp


def l2_normalize(x: jax.Array, eps: float = 1e-12) -> jax.Array:
  """Rows of x divided by their Euclidean norm.

  Args:
    x: [..., dim].
    eps: floor on the squared norm so a zero vector maps to zero, not NaN.

  Returns:
    [..., dim] with unit L2 norm along the last axis.
  """
  return x * jax.lax.rsqrt(jnp.maximum(jnp.sum(jnp.square(x), -1, keepdims=True), eps))


class EmbeddingNet(nn.Module):
  """Small ConvNet -> dense -> L2-normalised embedding.

  Input: [batch, height, width, channels] float32 images.
  Output: [batch, embed_dim] float32 with unit L2 norm.
  """

  features: Sequence[int] = (32, 64)  # conv channels, one 3x3 conv + 2x2 pool per entry
  hidden: int = 256  # width of the dense layer before the embedding
  embed_dim: int = 128  # embedding size (FaceNet uses 128)
  dtype: jnp.dtype = jnp.float32  # computation dtype; params stay float32
  num_classes: int | None = (
      None  # unused (an embedding has no classes); the model registry passes it
  )

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    del train  # no dropout or batch norm: embeddings must not depend on the batch
    if x.ndim != 4:
      raise ValueError(f'x must be [batch, height, width, channels], got shape {x.shape}')
    x = x.astype(self.dtype)
    for i, f in enumerate(self.features):
      x = nn.Conv(f, (3, 3), dtype=self.dtype, name=f'conv{i}')(x)
      x = nn.relu(x)
      if min(x.shape[1:3]) >= 2:
        x = nn.max_pool(x, (2, 2), strides=(2, 2))
    x = x.reshape((x.shape[0], -1))
    x = nn.relu(nn.Dense(self.hidden, dtype=self.dtype, name='hidden')(x))
    x = nn.Dense(self.embed_dim, dtype=self.dtype, name='embedding')(x)
    # Normalise in float32: the norm of a bfloat16 vector is too coarse.
    return l2_normalize(x.astype(jnp.float32))
