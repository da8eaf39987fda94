"""jaxdl vs PyTorch training throughput on this CPU (LeNet-5, CIFAR ResNet-18).

  python launch/bench_vs_torch.py                     # both models, batch 128
  python launch/bench_vs_torch.py --models=lenet5 --steps=50 --rounds=5
  python launch/bench_vs_torch.py --cores=1          # both pinned to one core
  python launch/bench_vs_torch.py --host_devices=2   # jaxdl data-parallel over 2 cores

--cores=N pins the whole process (XLA's thread pool and PyTorch's) to the
first N CPUs with sched_setaffinity and gives PyTorch N threads: a per-core
comparison. (XLA ignores thread-count settings in XLA_FLAGS; affinity is what
bounds it.) --host_devices=N splits the CPU into N single-threaded XLA devices
and lets the core's data-parallel step shard the batch over them (what
JAXDL_HOST_DEVICES=N does for every launcher).

Every launcher adds jaxdl.cpu's tuned XLA flags and host_memory's
malloc and dispatch settings (which depend on the CPU and device counts);
run with JAXDL_XLA_CPU_TUNING=0 / JAXDL_MALLOC_TUNING=0 to time jaxlib's,
glibc's and jax's defaults instead. The header line says which were in
effect. PyTorch runs in a child process with glibc's default malloc, as a
PyTorch user runs it; --torch_malloc=tuned gives it host_memory's one-CPU
settings on any CPU count (they speed PyTorch up).

PyTorch is optional (pip install torch==2.13.0, CPU build); without it only
jaxdl is timed. Prints a Markdown table; --workdir also gets bench_vs_torch.md.
"""

import os

from absl import flags, logging

from jaxdl.cpu import host_memory, xla_flags
from jaxdl.cli import launch, run_or_exit

_MODELS = flags.DEFINE_list(
    'models', ['lenet5', 'lenet5_xla', 'cifar_resnet18'], 'names in jaxdl.bench.torch_peer.MODELS'
)
_BATCH = flags.DEFINE_integer('batch_size', 128, 'global batch size')
_STEPS = flags.DEFINE_integer('steps', 10, 'timed steps per round and side')
_ROUNDS = flags.DEFINE_integer('rounds', 3, 'interleaved rounds; the median is reported')
_DEVICES = flags.DEFINE_integer('num_devices', 0, 'devices in the jaxdl mesh (0: all)')
_TORCH = flags.DEFINE_boolean('torch', True, 'also time PyTorch when installed')
_CORES = flags.DEFINE_integer('cores', 0, 'N > 0: pin both frameworks to the first N CPUs')
_TORCH_MALLOC = flags.DEFINE_enum(
    'torch_malloc',
    'default',
    ['default', 'tuned'],
    "PyTorch's process: glibc malloc as a user runs it, or jaxdl's tuning too",
)
_HOST_DEVICES = flags.DEFINE_integer(
    'host_devices', 0, 'N > 0: N single-threaded XLA CPU devices, batch sharded over them'
)
_WORKDIR = flags.DEFINE_string('workdir', '', 'optional output directory')


def main(argv):
  del argv
  # Imports jax but does not start it (XLA_FLAGS are read at the first device use).
  from jaxdl.bench import torch_peer

  run_or_exit(
      torch_peer.check_flags,
      _MODELS.value,
      batch_size=_BATCH.value,
      steps=_STEPS.value,
      rounds=_ROUNDS.value,
      num_devices=_DEVICES.value,
      cores=_CORES.value,
      host_devices=_HOST_DEVICES.value,
  )
  if _CORES.value:
    # Before jax starts: XLA sizes its thread pool from the CPUs it may use.
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, cpus[: _CORES.value])
  if _HOST_DEVICES.value:
    os.environ['XLA_FLAGS'] = xla_flags.tuned_xla_flags(
        os.environ.get('XLA_FLAGS', ''), xla_flags.host_device_flags(_HOST_DEVICES.value)
    )
  # Again, as launch() saw every CPU and one device; jax has not started yet.
  # The mode says what is in effect.
  host_mode = host_memory.tune_malloc()
  import jax

  run_or_exit(torch_peer.check_devices, _BATCH.value, _DEVICES.value)
  logging.info(
      'process %d/%d, %d %s device(s), torch installed: %s',
      jax.process_index(),
      jax.process_count(),
      jax.device_count(),
      jax.devices()[0].platform,
      torch_peer.torch_available(),
  )
  rows = [
      torch_peer.compare(
          m,
          _BATCH.value,
          _STEPS.value,
          _ROUNDS.value,
          _DEVICES.value,
          _TORCH.value,
          torch_threads=_CORES.value,
          torch_malloc=_TORCH_MALLOC.value,
      )
      for m in _MODELS.value
  ]
  table = torch_peer.format_table(rows)
  print(
      f'{jax.device_count()} x {jax.devices()[0].device_kind}, {os.cpu_count()} CPUs, '
      f'{len(os.sched_getaffinity(0))} usable, load average {os.getloadavg()[0]:.1f}, '
      f'XLA_FLAGS={os.environ.get("XLA_FLAGS", "")!r}, jaxdl host memory: '
      f'{host_mode}, '
      f'PyTorch in its own process with {_TORCH_MALLOC.value} malloc'
  )
  print(table)
  if _WORKDIR.value:
    os.makedirs(_WORKDIR.value, exist_ok=True)
    with open(os.path.join(_WORKDIR.value, 'bench_vs_torch.md'), 'w') as f:
      f.write(table + '\n')


if __name__ == '__main__':
  launch(main)
