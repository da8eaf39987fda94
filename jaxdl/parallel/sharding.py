"""FSDP by a rule: which leaves of the train state are split over 'fsdp'.

A leaf with at least ``min_size`` elements is split along its largest
dimension that the 'fsdp' axis size divides; every other leaf (scalars, the
step, the rng key, biases, input statistics, small kernels) is replicated.
The rule reads only shapes, so it gives the same layout to a parameter and
to its optimizer moments (Adam's mu and nu), and it works on the output of
``jax.eval_shape``: the state is created directly in its sharded layout.
Within one 'fsdp' group each device holds 1/fsdp of each large leaf; XLA
all-gathers the parameters for the forward and backward pass and
reduce-scatters the gradients. With an 'fsdp' axis of size 1 (or none)
every leaf is replicated: the data-parallel layout.
"""

from __future__ import annotations

from typing import Any, Sequence

import jax
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from jaxdl.parallel.mesh import FSDP_AXIS

# Below this many elements a leaf is cheaper to keep whole than to gather.
MIN_SHARDED_SIZE = 2**14


def leaf_spec(shape: Sequence[int], fsdp_size: int, min_size: int = MIN_SHARDED_SIZE) -> P:
  """PartitionSpec of one leaf of ``shape`` on an 'fsdp' axis of ``fsdp_size``.

  Args:
    shape: the leaf's shape, e.g. (3, 3, 64, 128) for a conv kernel.
    fsdp_size: size of the mesh's 'fsdp' axis (1: replicate everything).
    min_size: leaves with fewer elements are replicated.

  Returns:
    P() (replicated), or a spec with 'fsdp' at the largest dimension that
    ``fsdp_size`` divides (the last such on ties), None elsewhere.
  """
  size = 1
  for n in shape:
    size *= n
  if fsdp_size <= 1 or not shape or size < min_size:
    return P()
  candidates = [(n, i) for i, n in enumerate(shape) if n % fsdp_size == 0]
  if not candidates:
    return P()
  _, dim = max(candidates)
  return P(*[FSDP_AXIS if i == dim else None for i in range(len(shape))])


def state_shardings(state_shapes: Any, mesh: Mesh, min_size: int = MIN_SHARDED_SIZE) -> Any:
  """NamedShardings for every leaf of a state, by the rule of leaf_spec.

  Args:
    state_shapes: a pytree (e.g. a TrainState) of arrays or of
      ``jax.ShapeDtypeStruct``s (``jax.eval_shape`` output).
    mesh: a mesh from jaxdl.parallel.mesh.make_mesh; without an 'fsdp'
      axis every leaf is replicated.
    min_size: leaves with fewer elements are replicated.

  Returns:
    The same pytree with a NamedSharding at each leaf: usable as
    ``out_shardings`` of the init and as in/out shardings of the steps.
  """
  fsdp_size = dict(mesh.shape).get(FSDP_AXIS, 1)

  def one(leaf):
    return NamedSharding(mesh, leaf_spec(tuple(getattr(leaf, 'shape', ())), fsdp_size, min_size))

  return jax.tree.map(one, state_shapes)
