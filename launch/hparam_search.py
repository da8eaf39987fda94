"""Random vs grid search and coarse-to-fine, trials vectorised (notes 2.10-2.11).

  python launch/hparam_search.py --workdir=DIR [--config=launch/configs/hparam_search.py:smoke]
"""
import jax
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/hparam_search.py', 'experiment config')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_hparam',
                               'output directory')


def main(argv):
  del argv
  logging.info('process %d/%d, %d devices', jax.process_index(),
               jax.process_count(), jax.device_count())
  from jaxdl.hparam.experiment import run  # after flags: XLA_FLAGS
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  print(result.table)
  print(f'all trials trained in {result.trials_wall_s:.1f} s (vectorised); '
        f'hparam_search.md and hparam_search.png in {_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
