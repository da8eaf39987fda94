"""Neural style transfer costs (notes 4.14.1).

Notation of the notes: C content image, S style image, G generated image,
a[l] the activation of hidden layer l, shape [n_H, n_W, n_C]. The
normalising constants are those of the deeplearning.ai course the notes
summarise (Gatys et al., arXiv:1508.06576, use 1/2 and 1/(4 N^2 M^2) — the
style constant is the same, the content one differs only by a constant).

Every function accepts activations with any leading batch axes
[..., n_H, n_W, n_C] and returns one cost per leading index (a scalar for a
single image).
"""

from typing import Mapping

import jax
import jax.numpy as jnp


def _check_same(a: jax.Array, b: jax.Array, what: str) -> None:
  if a.shape != b.shape:
    raise ValueError(f'{what}: activations must have the same shape, got {a.shape} and {b.shape}')
  if a.ndim < 3:
    raise ValueError(f'{what}: activations must be [..., n_H, n_W, n_C], got shape {a.shape}')


def content_cost(a_c: jax.Array, a_g: jax.Array) -> jax.Array:
  """J_content(C, G) = 1 / (4 n_H n_W n_C) * sum (a[l](C) - a[l](G))^2.

  Args:
    a_c: [..., n_H, n_W, n_C] activation of the content image at layer l.
    a_g: same shape, activation of the generated image.

  Returns:
    [...] cost (small when both images have similar content at layer l).
  """
  _check_same(a_c, a_g, 'content_cost')
  n_h, n_w, n_c = a_c.shape[-3:]
  diff = (a_c - a_g).astype(jnp.float32)
  return jnp.sum(jnp.square(diff), axis=(-3, -2, -1)) / (4.0 * n_h * n_w * n_c)


def gram_matrix(a: jax.Array) -> jax.Array:
  """Style matrix G[k, k'] = sum_{i, j} a[i, j, k] a[i, j, k'] (filter correlations).

  Args:
    a: [..., n_H, n_W, n_C] activation.

  Returns:
    [..., n_C, n_C] symmetric Gram matrix (unnormalised, as in the notes).
  """
  if a.ndim < 3:
    raise ValueError(f'gram_matrix: a must be [..., n_H, n_W, n_C], got shape {a.shape}')
  flat = a.reshape(a.shape[:-3] + (-1, a.shape[-1])).astype(jnp.float32)  # [..., n_H n_W, n_C]
  return jnp.einsum('...pk,...pl->...kl', flat, flat)


def layer_style_cost(a_s: jax.Array, a_g: jax.Array) -> jax.Array:
  """J_style^[l](S, G) = 1 / (2 n_H n_W n_C)^2 * sum_{k,k'} (G_S - G_G)^2.

  Args:
    a_s: [..., n_H, n_W, n_C] activation of the style image at layer l.
    a_g: same shape, activation of the generated image.

  Returns:
    [...] cost.
  """
  _check_same(a_s, a_g, 'layer_style_cost')
  return layer_style_cost_from_gram(gram_matrix(a_s), a_g)


def layer_style_cost_from_gram(gram_s: jax.Array, a_g: jax.Array) -> jax.Array:
  """layer_style_cost with the style image's Gram matrix precomputed.

  The style image is fixed during optimisation, so its Grams are computed
  once; the style image may then also differ in size from G (the normaliser
  uses G's n_H n_W, as the notes' formula assumes equal sizes).

  Args:
    gram_s: [..., n_C, n_C] Gram matrix of the style activation.
    a_g: [..., n_H, n_W, n_C] activation of the generated image.
  """
  if a_g.ndim < 3 or gram_s.shape[-2:] != (a_g.shape[-1],) * 2:
    raise ValueError(
        f'gram_s must be [..., n_C, n_C] matching a_g [..., n_H, n_W, n_C], '
        f'got {gram_s.shape} and {a_g.shape}'
    )
  n_h, n_w, n_c = a_g.shape[-3:]
  diff = gram_s - gram_matrix(a_g)
  return jnp.sum(jnp.square(diff), axis=(-2, -1)) / (2.0 * n_h * n_w * n_c) ** 2


def style_cost(
    feats_s: Mapping[str, jax.Array],
    feats_g: Mapping[str, jax.Array],
    layer_weights: Mapping[str, float],
    precomputed_grams: bool = False,
) -> jax.Array:
  """J_style(S, G) = sum_l lambda[l] J_style^[l](S, G) over several layers.

  Args:
    feats_s: {layer: activation [..., n_H, n_W, n_C]} of the style image, or
      {layer: Gram [..., n_C, n_C]} when precomputed_grams.
    feats_g: {layer: activation} of the generated image.
    layer_weights: {layer: lambda[l]}; every layer must be in both dicts.
    precomputed_grams: feats_s holds Gram matrices.

  Returns:
    [...] weighted sum.
  """
  if not layer_weights:
    raise ValueError('layer_weights must name at least one layer')
  missing = [l for l in layer_weights if l not in feats_s or l not in feats_g]
  if missing:
    raise ValueError(
        f'layer_weights names layers {missing} missing from the activations '
        f'(have {sorted(feats_g)})'
    )
  per_layer = layer_style_cost_from_gram if precomputed_grams else layer_style_cost
  return sum(w * per_layer(feats_s[l], feats_g[l]) for l, w in layer_weights.items())


def total_variation(image: jax.Array) -> jax.Array:
  """Smoothness penalty: sum of squared differences between neighbouring pixels.

  TV(x) = sum_{i,j,c} (x[i+1,j,c] - x[i,j,c])^2 + (x[i,j+1,c] - x[i,j,c])^2,
  the squared (beta = 2) variant of Mahendran & Vedaldi; it suppresses the
  high-frequency noise pixel-space optimisation tends to produce.

  Args:
    image: [..., H, W, C].

  Returns:
    [...] penalty.
  """
  if image.ndim < 3:
    raise ValueError(f'total_variation: image must be [..., H, W, C], got shape {image.shape}')
  dy = image[..., 1:, :, :] - image[..., :-1, :, :]
  dx = image[..., :, 1:, :] - image[..., :, :-1, :]
  return jnp.sum(jnp.square(dy), axis=(-3, -2, -1)) + jnp.sum(jnp.square(dx), axis=(-3, -2, -1))


def total_cost(
    j_content: jax.Array,
    j_style: jax.Array,
    alpha: float = 10.0,
    beta: float = 40.0,
    tv: jax.Array | float = 0.0,
    tv_weight: float = 0.0,
) -> jax.Array:
  """J(G) = alpha J_content(C, G) + beta J_style(S, G) (+ tv_weight TV(G)).

  alpha = 10, beta = 40 are the course's defaults; only their ratio matters
  for the optimum (the step size sets the rest).
  """
  if alpha < 0 or beta < 0 or tv_weight < 0:
    raise ValueError(f'alpha, beta and tv_weight must be >= 0, got {alpha}, {beta}, {tv_weight}')
  return alpha * j_content + beta * j_style + tv_weight * tv
