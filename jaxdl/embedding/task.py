"""The triplet-loss training Task for the core loop (notes 4.13).

The core's train step calls ``loss_fn(outputs, batch)`` on a whole global
batch, so in-batch mining sees every example of the step (jit gathers across
the data-sharded batch). Metrics are (sum, count) pairs:

  * loss: the mined triplet loss of each batch, weighted by its number of
    real examples (padding excluded);
  * active: share of mined triplets that still violate the margin;
  * error: leave-one-out nearest-neighbour identification error inside the
    batch (the nearest other embedding has a different identity). On the test
    split, whose identities were never trained on, this is a verification-style
    error the core can early-stop on and print in its table.
"""

import jax.numpy as jnp

from jaxdl.embedding import triplet
from jaxdl.train.task import Task


def batch_nn_error(embeddings, labels, mask):
  """Leave-one-out 1-NN misidentification inside a batch, as (sum, count).

  Args:
    embeddings: [batch, dim].
    labels: [batch] identities.
    mask: [batch] float, 1 for real rows.

  Returns:
    (errors, count) over real rows whose identity occurs again in the batch.
  """
  d = triplet.pairwise_sq_distances(embeddings)
  real = mask > 0
  n = labels.shape[0]
  blocked = ~real[None, :] | jnp.eye(n, dtype=bool)
  nearest = jnp.argmin(jnp.where(blocked, jnp.inf, d), axis=1)
  same = labels[:, None] == labels[None, :]
  has_pos = jnp.any(same & ~blocked, axis=1) & real
  wrong = (labels[nearest] != labels) & has_pos
  return jnp.sum(wrong).astype(jnp.float32), jnp.sum(has_pos).astype(jnp.float32)


def triplet_task(
    mining: str = 'semi_hard',
    alpha: float = triplet.DEFAULT_ALPHA,
    label_key: str = 'label',
    input_key: str = 'image',
) -> Task:
  """Task whose loss is the mined triplet loss of the model's embeddings.

  Args:
    mining: 'all' | 'batch_hard' | 'semi_hard'.
    alpha: margin in squared-distance units.
    label_key: batch key holding the identity.
    input_key: batch key fed to the encoder.
  """
  if mining not in triplet.MINING_MODES:
    raise ValueError(f'mining must be one of {triplet.MINING_MODES}, got {mining!r}')

  def loss_fn(embeddings, batch):
    labels = batch[label_key]
    mask = batch.get('mask', jnp.ones(labels.shape[0], jnp.float32))
    loss, m = triplet.mined_triplet_loss(embeddings, labels, mining, alpha, mask=mask > 0)
    active, usable = (x.astype(jnp.float32) for x in m['active_triplets'])
    # Weight by real examples so that batch means combine into one exact mean.
    n_anchor = jnp.sum(mask)
    return loss, {
        'loss': (loss * n_anchor, n_anchor),
        'active': (active, usable),
        'error': batch_nn_error(embeddings, labels, mask),
    }

  return Task(loss_fn=loss_fn, input_key=input_key)
