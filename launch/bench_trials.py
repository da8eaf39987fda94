"""Benchmark: K = 32 vectorised MLP trials vs 1 trial on the digits (notes 2.10).

  python launch/bench_trials.py
  XLA_FLAGS=--xla_force_host_platform_device_count=8 python launch/bench_trials.py
  python launch/bench_trials.py --num_trials=64 --num_steps=500

Prints the wall time of K trials and of one (compile included; best of
--repeats) and the steady-state time per step; the target is K = 32 at most
3x one trial. About 1 minute on a 2-core CPU.
"""

import jax
from absl import flags, logging

from jaxdl.cli import launch, run_or_exit

_TRIALS = flags.DEFINE_integer('num_trials', 32, 'K, trials trained at once')
_STEPS = flags.DEFINE_integer('num_steps', 300, 'training steps per trial')
_BATCH = flags.DEFINE_integer('batch_size', 64, 'examples per step')
_REPEATS = flags.DEFINE_integer('repeats', 2, 'runs per K (fastest counts)')


def main(argv):
  del argv
  from jaxdl.hparam import bench

  run_or_exit(
      bench.check_flags,
      num_trials=_TRIALS.value,
      num_steps=_STEPS.value,
      batch_size=_BATCH.value,
      repeats=_REPEATS.value,
  )
  logging.info(
      'process %d/%d, %d devices', jax.process_index(), jax.process_count(), jax.device_count()
  )
  from jaxdl.hparam.hparam_search_experiment import digits_arrays
  from jaxdl.hparam.hparam_search_experiment import default_data_config

  train, dev, _ = digits_arrays(default_data_config())
  result = run_or_exit(
      bench.benchmark_trials,
      train,
      dev,
      num_trials=_TRIALS.value,
      num_steps=_STEPS.value,
      batch_size=_BATCH.value,
      repeats=_REPEATS.value,
  )
  print(f'{jax.device_count()} device(s), {jax.devices()[0].platform}')
  print(bench.format_benchmark(result, _TRIALS.value))


if __name__ == '__main__':
  launch(main)
