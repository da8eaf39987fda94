"""The device mesh: batch sharded over every axis, state replicated or FSDP.

A 1-D mesh ('data') or a 2-D one ('data', 'fsdp'). The batch is split over
all of its devices; the state is replicated, or its large leaves are split
over 'fsdp' (jaxdl.parallel.sharding). ``jax.jit`` with these shardings
compiles one SPMD program: XLA inserts the all-reduce of gradients (and of
BatchNorm batch statistics, which are thus those of the *global* batch), or
the all-gathers and reduce-scatters of FSDP, where the math needs them. The
same code runs on 1 CPU, 8 simulated CPU devices, a GPU, or many hosts.
"""

from __future__ import annotations

import os
import signal

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from jaxdl.errors import ConfigError

DATA_AXIS = 'data'
FSDP_AXIS = 'fsdp'
MESH_AXES = (DATA_AXIS, FSDP_AXIS)  # outer to inner: an fsdp group is adjacent devices


ENV_ADDRESS, ENV_NUM, ENV_ID = 'JAX_COORDINATOR_ADDRESS', 'JAX_NUM_PROCESSES', 'JAX_PROCESS_ID'


def distributed_args(environ=None) -> dict:
  """jax.distributed.initialize() arguments from the environment.

  JAX_COORDINATOR_ADDRESS (host:port of process 0), JAX_NUM_PROCESSES and
  JAX_PROCESS_ID are passed explicitly (jax reads only the address itself);
  without them jax's cluster auto-detection (SLURM, TPU pods, MPI, ...)
  decides. A set but incomplete or malformed triple is a ConfigError.
  """
  env = os.environ if environ is None else environ
  given = {k: env[k] for k in (ENV_ADDRESS, ENV_NUM, ENV_ID) if env.get(k)}
  if not given:
    return {}
  missing = [k for k in (ENV_ADDRESS, ENV_NUM, ENV_ID) if k not in given]
  if missing:
    raise ConfigError(
        f'multi-host environment incomplete: {", ".join(missing)} not set '
        f'(set all of {ENV_ADDRESS}, {ENV_NUM}, {ENV_ID}, or none for '
        'cluster auto-detection)'
    )
  try:
    num, pid = int(given[ENV_NUM]), int(given[ENV_ID])
  except ValueError:
    raise ConfigError(
        f'{ENV_NUM}={given[ENV_NUM]!r} and {ENV_ID}={given[ENV_ID]!r} ' 'must be integers'
    ) from None
  if num < 1 or not 0 <= pid < num:
    raise ConfigError(f'{ENV_ID}={pid} must be in [0, {ENV_NUM}={num})')
  if ':' not in given[ENV_ADDRESS]:
    raise ConfigError(f'{ENV_ADDRESS}={given[ENV_ADDRESS]!r}: must be host:port')
  return {'coordinator_address': given[ENV_ADDRESS], 'num_processes': num, 'process_id': pid}


def maybe_initialize_distributed(enabled: bool) -> None:
  """``jax.distributed.initialize`` for multi-host runs (once per process).

  On CPU the cross-process collectives are gloo's (XLA:CPU has no other
  that crosses processes). SIGTERM is given back its default action after
  initialisation: jax's preemption notifier would otherwise swallow it, and
  a process blocked in a collective must still stop when its scheduler
  says so; the checkpoints are safe against any kill. A process that dies
  is noticed by the others after JAXDL_HEARTBEAT_TIMEOUT_S seconds (jax's
  100 by default), and they exit; JAXDL_DISTRIBUTED_TIMEOUT_S (300) bounds
  the wait for all processes to start.
  """
  if not enabled or jax.distributed.is_initialized():
    return
  args = distributed_args()
  # Only the CPU client reads it; GPU/TPU keep their own collectives.
  jax.config.update('jax_cpu_collectives_implementation', 'gloo')
  try:
    jax.distributed.initialize(
        **args,
        initialization_timeout=int(os.environ.get('JAXDL_DISTRIBUTED_TIMEOUT_S', '300')),
        # How long the others wait for a killed process before they stop too.
        heartbeat_timeout_seconds=int(os.environ.get('JAXDL_HEARTBEAT_TIMEOUT_S', '100')),
    )
  except (RuntimeError, ValueError) as e:
    raise ConfigError(
        f'jax.distributed.initialize failed ({" ".join(str(e).split())[:200]}); '
        f'set {ENV_ADDRESS}, {ENV_NUM} and {ENV_ID}, or run under a '
        'detected cluster (SLURM, TPU)'
    ) from None
  signal.signal(signal.SIGTERM, signal.SIG_DFL)


def mesh_shape(shape, num_devices: int) -> dict[str, int]:
  """``config.mesh`` resolved to sizes: {'data': d, 'fsdp': f}, d * f == num_devices.

  Args:
    shape: a mapping from axis names (MESH_AXES) to sizes; one size may be
      -1 (all the devices the others leave); absent axes have size 1.
    num_devices: the devices the mesh must cover.

  Raises:
    ConfigError: one line naming config.mesh (unknown axis, a size that is
      not a positive integer or -1, two -1s, sizes that do not fit the
      devices).
  """
  given = dict(shape.items()) if hasattr(shape, 'items') else None
  if given is None:
    raise ConfigError(
        f'config.mesh={shape!r}: must be a mapping of axis names '
        f'({", ".join(MESH_AXES)}) to sizes'
    )
  unknown = sorted(set(given) - set(MESH_AXES))
  if unknown:
    raise ConfigError(
        f'config.mesh={given!r}: unknown axis {", ".join(map(repr, unknown))} '
        f'(axes: {", ".join(MESH_AXES)})'
    )
  sizes = {a: given.get(a, 1) for a in MESH_AXES}
  for axis, size in sizes.items():
    if not isinstance(size, int) or isinstance(size, bool) or not (size >= 1 or size == -1):
      raise ConfigError(
          f'config.mesh.{axis}={size!r}: must be an integer >= 1, or -1 ' '(all remaining devices)'
      )
  free = [a for a, n in sizes.items() if n == -1]
  if len(free) > 1:
    raise ConfigError(
        f'config.mesh={given!r}: at most one axis may be -1, got ' f'{", ".join(free)}'
    )
  fixed = int(np.prod([n for n in sizes.values() if n != -1]))
  if free:
    if num_devices % fixed:
      raise ConfigError(
          f'config.mesh={given!r}: the fixed sizes multiply to {fixed}, which '
          f'does not divide the {num_devices} devices'
      )
    sizes[free[0]] = num_devices // fixed
  elif fixed != num_devices:
    raise ConfigError(
        f'config.mesh={given!r}: the sizes multiply to {fixed}, not the '
        f'{num_devices} devices (set one axis to -1 to fill them)'
    )
  return sizes


def make_mesh(num_devices: int = 0, shape=None) -> Mesh:
  """A mesh over the first ``num_devices`` devices (0: all of them).

  Args:
    num_devices: how many of ``jax.devices()`` the mesh covers (0: all).
    shape: None for the 1-D mesh ('data',); else ``config.mesh``, e.g.
      ``{'data': -1, 'fsdp': 4}``, for the 2-D mesh ('data', 'fsdp') (see
      mesh_shape).
  """
  devices = jax.devices()
  if num_devices < 0 or num_devices > len(devices):
    raise ConfigError(
        f'config.num_devices={num_devices}: must be in [0, {len(devices)}] '
        f'(0: all {len(devices)} devices of this job)'
    )
  chosen = devices[:num_devices] if num_devices else devices
  if shape is None:
    return Mesh(np.array(chosen), (DATA_AXIS,))
  sizes = mesh_shape(shape, len(chosen))
  return Mesh(np.array(chosen).reshape([sizes[a] for a in MESH_AXES]), MESH_AXES)


def replicated(mesh: Mesh) -> NamedSharding:
  """Every device holds the whole array (model/optimizer state)."""
  return NamedSharding(mesh, P())


def batch_axes(mesh: Mesh) -> tuple[str, ...]:
  """The mesh axes a batch is split over: all of them ('data', and 'fsdp' if present)."""
  return tuple(a for a in MESH_AXES if a in mesh.axis_names)


def data_sharded(mesh: Mesh) -> NamedSharding:
  """Leading (batch) axis split over every device: P('data') or P(('data', 'fsdp'))."""
  axes = batch_axes(mesh)
  return NamedSharding(mesh, P(axes[0] if len(axes) == 1 else axes))


def shard_batch(batch, mesh: Mesh):
  """Host numpy batch (this process's rows) -> global jax arrays on the mesh."""
  sharding = data_sharded(mesh)
  return jax.tree.map(lambda x: jax.make_array_from_process_local_data(sharding, x), batch)


def check_batch_size(global_batch_size: int, mesh: Mesh) -> None:
  """The global batch must split evenly over devices and processes."""
  n = mesh.devices.size
  if global_batch_size % n:
    raise ValueError(
        f'batch_size {global_batch_size} is not divisible by the ' f'{n} devices of the mesh'
    )
  if global_batch_size % jax.process_count():
    raise ValueError(
        f'batch_size {global_batch_size} is not divisible by the '
        f'{jax.process_count()} processes'
    )
