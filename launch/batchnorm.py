"""With vs without batch norm: steps to a target loss (notes 2.12).

  python launch/batchnorm.py --workdir=DIR [--config=launch/configs/batchnorm.py:smoke]
"""
import jax
from absl import flags, logging
from ml_collections import config_flags

from jaxdl.cli import launch, run_or_exit

_CONFIG = config_flags.DEFINE_config_file(
    'config', 'launch/configs/batchnorm.py', 'experiment config',
    lock_config=True)
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
