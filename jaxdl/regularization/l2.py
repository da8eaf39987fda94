"""L2 regularisation cost over weight matrices only (notes 2.3.1).

    L2_cost = lambd * (sum(W1**2) + sum(W2**2) + ...) / (2 * m)

"W" means the weight matrices / convolution kernels. In flax these are the
leaves named ``kernel`` (Dense, Conv, DenseGeneral); biases and BatchNorm's
``scale`` and ``bias`` are left out: decaying them does not reduce variance
and, for BatchNorm, fights the normalisation.
"""

import jax
import jax.numpy as jnp

WEIGHT_NAMES = ("kernel",)


def _leaf_name(path):
  last = path[-1]
  for attr in ("key", "name", "idx"):
    if hasattr(last, attr):
      return str(getattr(last, attr))
  return str(last)


def kernel_mask(params, names=WEIGHT_NAMES):
  """Pytree of bools, True on weight matrices / kernels.

  Args:
    params: a flax params pytree (nested dicts).
    names: leaf names counted as weights.

  Returns:
    A pytree of the same structure with True where the leaf's name is in
    ``names``.
  """
  return jax.tree_util.tree_map_with_path(lambda path, _: _leaf_name(path) in names, params)


def l2_cost(params, lambd, num_examples, names=WEIGHT_NAMES):
  """The notes' L2 term lambd / (2 m) * sum of squared weights.

  Args:
    params: flax params pytree.
    lambd: regularisation strength lambda >= 0 (a hyper-parameter tuned on
      the dev set).
    num_examples: m, the number of training examples the data loss averages
      over (the batch size for a mini-batch mean loss).
    names: leaf names counted as weights (default: ``kernel``).

  Returns:
    Scalar float32 cost to add to the mean data loss.
  """
  if lambd < 0:
    raise ValueError(f"lambd must be >= 0, got {lambd}.")
  if num_examples <= 0:
    raise ValueError(f"num_examples must be > 0, got {num_examples}.")
  mask = kernel_mask(params, names)
  squares = jax.tree_util.tree_map(
      lambda p, keep: jnp.sum(jnp.square(p)) if keep else 0.0, params, mask
  )
  total = sum(jax.tree_util.tree_leaves(squares), jnp.float32(0.0))
  return lambd * total / (2.0 * num_examples)
