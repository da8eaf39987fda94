"""Triplet loss with squared distances and in-batch triplet mining (notes 4.13).

The notes' loss for one triplet (anchor A, positive P, negative N) is

  L(A, P, N) = max(||f(A) - f(P)||^2 - ||f(A) - f(N)||^2 + alpha, 0),

with squared Euclidean distances and a margin alpha (0.2 in FaceNet,
arXiv:1503.03832). `optax.losses.triplet_margin_loss` is a different function:
it uses plain (non-squared) distances and a default margin of 1.0.

Random triplets are mostly already satisfied, so their loss and gradient are
zero (the notes' point); the mining functions below pick informative triplets
inside a batch of labelled embeddings:

  * batch-all: every valid (a, p, n) triplet, averaged over the active ones;
  * batch-hard (Hermans et al., arXiv:1703.07737): per anchor, the farthest
    positive and the nearest negative;
  * semi-hard (FaceNet): per positive pair, the nearest negative that is still
    farther than the positive, so that the loss is in (0, alpha).

Batch-all and semi-hard build [batch, batch, batch] arrays: memory grows as
batch^3 (a batch of 256 is 16M floats), fine for the batch sizes used here.

Every mining function returns `(loss, metrics)` where metrics holds
`(sum, count)` pairs so that they aggregate exactly over batches and devices.
"""

from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

DEFAULT_ALPHA = 0.2  # notes 4.13 / FaceNet margin, in squared-distance units

MINING_MODES = ('all', 'batch_hard', 'semi_hard')


def _check_alpha(alpha):
  # Only Python/numpy numbers are checked: a traced margin stays unchecked
  # rather than forcing a device sync. `not >=` so that NaN fails too.
  if isinstance(alpha, (int, float, np.number)) and not alpha >= 0:
    raise ValueError(f'alpha must be >= 0, got {alpha}')


def _check_batch(embeddings, labels, mask):
  """Static shape checks (free under jit): [B, dim] embeddings, [B] labels/mask."""
  shape = jnp.shape(embeddings)
  if len(shape) != 2:
    raise ValueError(f'embeddings must be [batch, dim], got shape {shape}')
  if jnp.shape(labels) != shape[:1]:
    raise ValueError(f'labels must be [batch] = {shape[:1]}, got shape {jnp.shape(labels)}')
  if mask is not None and jnp.shape(mask) != shape[:1]:
    raise ValueError(f'mask must be [batch] = {shape[:1]}, got shape {jnp.shape(mask)}')


def _empty_batch_result():
  """B = 0: no triplet, loss 0 and counts (0, 0), which add like any batch."""
  zero = jnp.zeros((), jnp.int32)
  return jnp.zeros((), jnp.float32), {'active_triplets': (zero, zero)}


def triplet_loss(
    anchor: jax.Array, positive: jax.Array, negative: jax.Array, alpha: float = DEFAULT_ALPHA
) -> jax.Array:
  """Per-triplet loss of notes 4.13 with squared distances.

  Args:
    anchor: [batch, dim] embeddings f(A).
    positive: [batch, dim] embeddings f(P) of the anchor's identity.
    negative: [batch, dim] embeddings f(N) of another identity.
    alpha: margin, in squared-distance units (>= 0).

  Returns:
    [batch] losses max(|f(A)-f(P)|^2 - |f(A)-f(N)|^2 + alpha, 0).

  Raises:
    ValueError: unless all three are [batch, dim] of the same shape (they
      would otherwise broadcast, e.g. one positive against every anchor), or
      on alpha < 0 / NaN.
  """
  _check_alpha(alpha)
  shapes = tuple(jnp.shape(x) for x in (anchor, positive, negative))
  if len(shapes[0]) != 2 or len(set(shapes)) != 1:
    raise ValueError(
        'anchor, positive and negative must all be [batch, dim] with the '
        f'same shape, got {shapes[0]}, {shapes[1]} and {shapes[2]}'
    )
  d_ap = jnp.sum(jnp.square(anchor - positive), axis=-1)
  d_an = jnp.sum(jnp.square(anchor - negative), axis=-1)
  return jnp.maximum(d_ap - d_an + alpha, 0.0)


def pairwise_sq_distances(embeddings: jax.Array) -> jax.Array:
  """Squared Euclidean distances between all rows.

  Args:
    embeddings: [batch, dim].

  Returns:
    [batch, batch] float32, d[i, j] = |e_i - e_j|^2, exactly 0 on the diagonal.
  """
  if jnp.ndim(embeddings) != 2:
    raise ValueError(f'embeddings must be [batch, dim], got shape {jnp.shape(embeddings)}')
  sq = jnp.sum(jnp.square(embeddings), axis=-1)
  d = sq[:, None] - 2.0 * embeddings @ embeddings.T + sq[None, :]
  # The expansion can go slightly negative through cancellation.
  d = jnp.maximum(d, 0.0)
  return d * (1.0 - jnp.eye(d.shape[0], dtype=d.dtype))


def _masks(labels: jax.Array, mask: jax.Array | None):
  """Positive-pair [B, B] and negative-pair [B, B] masks, padding excluded."""
  n = labels.shape[0]
  valid = jnp.ones((n,), bool) if mask is None else mask.astype(bool)
  both = valid[:, None] & valid[None, :]
  same = labels[:, None] == labels[None, :]
  pos = same & both & ~jnp.eye(n, dtype=bool)
  neg = ~same & both
  return pos, neg


def batch_all_triplet_loss(
    embeddings: jax.Array,
    labels: jax.Array,
    alpha: float = DEFAULT_ALPHA,
    mask: jax.Array | None = None,
    average: str = 'active',
):
  """Loss over every valid triplet in the batch.

  Args:
    embeddings: [batch, dim] float.
    labels: [batch] int identities.
    alpha: margin in squared-distance units.
    mask: optional [batch] bool, False for padding rows.
    average: 'active' divides by the number of triplets with positive loss
      (so that the many satisfied triplets do not dilute the gradient);
      'all' divides by the number of valid triplets.

  Returns:
    (loss scalar, metrics) with metrics['active_triplets'] =
    (number with loss > 0, number of valid triplets). An empty batch (B = 0)
    gives loss 0 and counts (0, 0).
  """
  if average not in ('active', 'all'):
    raise ValueError(f"average must be 'active' or 'all', got {average!r}")
  _check_alpha(alpha)
  _check_batch(embeddings, labels, mask)
  d = pairwise_sq_distances(embeddings)
  pos, neg = _masks(labels, mask)
  valid = pos[:, :, None] & neg[:, None, :]  # [a, p, n]
  losses = jnp.maximum(d[:, :, None] - d[:, None, :] + alpha, 0.0)
  losses = jnp.where(valid, losses, 0.0)
  num_valid = jnp.sum(valid)
  # 1e-16 rather than 0 so float noise on satisfied triplets does not count.
  num_active = jnp.sum(losses > 1e-16)
  denom = num_active if average == 'active' else num_valid
  loss = jnp.sum(losses) / jnp.maximum(denom, 1)
  return loss, {'active_triplets': (num_active, num_valid)}


def batch_hard_triplet_loss(
    embeddings: jax.Array,
    labels: jax.Array,
    alpha: float = DEFAULT_ALPHA,
    mask: jax.Array | None = None,
):
  """Per anchor: hardest (farthest) positive and hardest (nearest) negative.

  Args:
    embeddings: [batch, dim] float.
    labels: [batch] int identities.
    alpha: margin in squared-distance units.
    mask: optional [batch] bool, False for padding rows.

  Returns:
    (loss scalar = mean over anchors having a positive and a negative,
     metrics) with metrics['active_triplets'] = (active anchors, anchors).
    An empty batch (B = 0) gives loss 0 and counts (0, 0).
  """
  _check_alpha(alpha)
  _check_batch(embeddings, labels, mask)
  if jnp.shape(embeddings)[0] == 0:  # static: max over no positives has no identity
    return _empty_batch_result()
  d = pairwise_sq_distances(embeddings)
  pos, neg = _masks(labels, mask)
  hardest_pos = jnp.max(jnp.where(pos, d, -jnp.inf), axis=1)
  hardest_neg = jnp.min(jnp.where(neg, d, jnp.inf), axis=1)
  usable = jnp.any(pos, axis=1) & jnp.any(neg, axis=1)
  losses = jnp.where(usable, jnp.maximum(hardest_pos - hardest_neg + alpha, 0.0), 0.0)
  count = jnp.sum(usable)
  loss = jnp.sum(losses) / jnp.maximum(count, 1)
  return loss, {'active_triplets': (jnp.sum(losses > 1e-16), count)}


def semi_hard_triplet_loss(
    embeddings: jax.Array,
    labels: jax.Array,
    alpha: float = DEFAULT_ALPHA,
    mask: jax.Array | None = None,
):
  """FaceNet semi-hard mining over every positive pair (a, p).

  The negative is the nearest one farther than the positive,
  d(a, n) > d(a, p); where no such negative exists, the farthest negative is
  used (the convention of TF-Addons' triplet_semihard_loss), which gives a
  loss of at most alpha.

  Args:
    embeddings: [batch, dim] float.
    labels: [batch] int identities.
    alpha: margin in squared-distance units.
    mask: optional [batch] bool, False for padding rows.

  Returns:
    (loss scalar = mean over positive pairs whose anchor has a negative,
     metrics) with metrics['active_triplets'] = (active pairs, pairs).
    An empty batch (B = 0) gives loss 0 and counts (0, 0).
  """
  _check_alpha(alpha)
  _check_batch(embeddings, labels, mask)
  if jnp.shape(embeddings)[0] == 0:  # static: min over no negatives has no identity
    return _empty_batch_result()
  d = pairwise_sq_distances(embeddings)
  pos, neg = _masks(labels, mask)
  d_ap = d[:, :, None]  # [a, p, 1]
  d_an = d[:, None, :]  # [a, 1, n]
  farther = neg[:, None, :] & (d_an > d_ap)
  semi_hard = jnp.min(jnp.where(farther, d_an, jnp.inf), axis=2)  # [a, p]
  easiest = jnp.max(jnp.where(neg, d, -jnp.inf), axis=1)  # [a]
  chosen = jnp.where(jnp.any(farther, axis=2), semi_hard, easiest[:, None])
  usable = pos & jnp.any(neg, axis=1)[:, None]
  losses = jnp.where(usable, jnp.maximum(d - chosen + alpha, 0.0), 0.0)
  count = jnp.sum(usable)
  loss = jnp.sum(losses) / jnp.maximum(count, 1)
  return loss, {'active_triplets': (jnp.sum(losses > 1e-16), count)}


_MINERS: dict[str, Callable] = {
    'all': batch_all_triplet_loss,
    'batch_hard': batch_hard_triplet_loss,
    'semi_hard': semi_hard_triplet_loss,
}


def mined_triplet_loss(
    embeddings: jax.Array,
    labels: jax.Array,
    mining: str = 'semi_hard',
    alpha: float = DEFAULT_ALPHA,
    mask: jax.Array | None = None,
):
  """Dispatches to one of the mining strategies by name.

  Args:
    embeddings: [batch, dim] float.
    labels: [batch] int identities.
    mining: one of MINING_MODES ('all', 'batch_hard', 'semi_hard').
    alpha: margin in squared-distance units (>= 0).
    mask: optional [batch] bool, False for padding rows.

  Returns:
    (loss scalar, metrics dict of (sum, count)).
  """
  if mining not in _MINERS:
    raise ValueError(f'mining must be one of {MINING_MODES}, got {mining!r}')
  _check_alpha(alpha)
  return _MINERS[mining](embeddings, labels, alpha=alpha, mask=mask)
