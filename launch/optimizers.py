"""GD, SGD, momentum, RMSprop, Adam, Adam + decay; 2-D surfaces; EWA (notes 2.4-2.9).

  python launch/optimizers.py --workdir=DIR [--config=launch/configs/optimizers.py:smoke]
"""
import jax
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/optimizers.py', 'experiment config')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_optimizers',
                               'output directory')


def main(argv):
  del argv
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  from jaxdl.optim.experiment import run  # after flags: XLA_FLAGS
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  print(result.table)
  print('\nsteps to the minimum on the 2-D surfaces:')
  print(result.surface_table)
  print(f'loss_curves.png, surfaces.png, ewa.png, schedules.png in '
        f'{_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
