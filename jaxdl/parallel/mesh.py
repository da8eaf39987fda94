"""Data parallelism as a device mesh: batch sharded on 'data', state replicated.

``jax.jit`` with these shardings compiles one SPMD program: XLA inserts the
all-reduce of gradients (and of BatchNorm batch statistics, which are thus
those of the *global* batch) where the math needs them. The same code runs
on 1 CPU, 8 simulated CPU devices, a GPU, or many hosts.
"""
from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

DATA_AXIS = 'data'


def maybe_initialize_distributed(enabled: bool) -> None:
  """``jax.distributed.initialize()`` for multi-host runs (env-configured).

  On a cluster (SLURM, TPU pods, or the JAX_COORDINATOR_ADDRESS /
  JAX_NUM_PROCESSES / JAX_PROCESS_ID variables) it finds its peers itself.
  """
  if enabled:
    jax.distributed.initialize()


def make_mesh(num_devices: int = 0) -> Mesh:
  """A 1-D mesh over the first ``num_devices`` devices (0: all of them)."""
  devices = jax.devices()
  if num_devices < 0 or num_devices > len(devices):
    raise ValueError(f'num_devices must be in [0, {len(devices)}], got {num_devices}')
  chosen = devices[:num_devices] if num_devices else devices
  return Mesh(np.array(chosen), (DATA_AXIS,))


def replicated(mesh: Mesh) -> NamedSharding:
  """Every device holds the whole array (model/optimizer state)."""
  return NamedSharding(mesh, P())


def data_sharded(mesh: Mesh) -> NamedSharding:
  """Leading (batch) axis split over the 'data' axis."""
  return NamedSharding(mesh, P(DATA_AXIS))


def shard_batch(batch, mesh: Mesh):
  """Host numpy batch (this process's rows) -> global jax arrays on the mesh."""
  sharding = data_sharded(mesh)
  return jax.tree.map(lambda x: jax.make_array_from_process_local_data(sharding, x), batch)


def check_batch_size(global_batch_size: int, mesh: Mesh) -> None:
  """The global batch must split evenly over devices and processes."""
  n = mesh.devices.size
  if global_batch_size % n:
    raise ValueError(f'batch_size {global_batch_size} is not divisible by the '
                     f'{n} devices of the mesh')
  if global_batch_size % jax.process_count():
    raise ValueError(f'batch_size {global_batch_size} is not divisible by the '
                     f'{jax.process_count()} processes')
