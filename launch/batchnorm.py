"""With vs without batch norm: steps to a target loss (notes 2.12).

  python launch/batchnorm.py --workdir=DIR [--config=launch/configs/batchnorm.py:smoke]
"""
import jax
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/batchnorm.py', 'experiment config')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_batchnorm',
                               'output directory')


def main(argv):
  del argv
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  from jaxdl.optim.batchnorm_experiment import run  # after flags: XLA_FLAGS
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  print(result.table)
  print(f'batchnorm.md and batchnorm_loss.png in {_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
