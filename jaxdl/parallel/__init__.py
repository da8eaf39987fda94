"""Device meshes and shardings: data parallelism, optionally FSDP, on one or many hosts.

``make_mesh(num_devices=0, shape=None)`` builds a ``jax.sharding.Mesh`` over
the devices with a 'data' axis (and an inner 'fsdp' axis when ``shape`` asks
for one). ``data_sharded(mesh)`` splits a batch's leading axis over every
device and ``shard_batch(batch, mesh)`` turns this process's numpy rows into
global arrays so laid out; ``replicated(mesh)`` places a whole array on every
device; ``state_shardings(state_shapes, mesh)`` gives every leaf of a state a
NamedSharding (large leaves split over 'fsdp', the rest replicated), for
``jax.jit(init, out_shardings=...)`` and the jitted steps. ``DispatchLimiter``
bounds how many steps may be in flight at once;
``maybe_initialize_distributed`` starts a multi-host job from the JAX_*
variables. Names are imported on first use.
"""

from jaxdl import _lazy

__all__, __getattr__, __dir__ = _lazy(
    __name__,
    {
        'mesh': (
            'make_mesh',
            'shard_batch',
            'replicated',
            'data_sharded',
            'batch_axes',
            'check_batch_size',
            'mesh_shape',
            'maybe_initialize_distributed',
            'DATA_AXIS',
            'FSDP_AXIS',
            'MESH_AXES',
        ),
        'sharding': ('state_shardings', 'leaf_spec'),
        'dispatch': ('DispatchLimiter', 'MAX_IN_FLIGHT'),
    },
)
