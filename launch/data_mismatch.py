"""Train on A, evaluate on B, diagnose, then synthesise B-like data (notes 3.12, 3.13).

  python launch/data_mismatch.py --workdir=DIR [--config=launch/configs/data_mismatch.py:smoke]
"""
import jax
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/data_mismatch.py', 'experiment config')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_mismatch', 'output directory')


def main(argv):
  del argv
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  from jaxdl.mismatch.experiment import run  # after flags: jax sees XLA_FLAGS
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  for name, report in result.reports.items():
    print(f'\n=== synthesis on A: {name} ===\n{report}')
  print('\nerrors by training data (dev and test are user photos, B):')
  print(result.table)
  print(f'\ntable, diagnoses and mismatch_errors.png in {_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
