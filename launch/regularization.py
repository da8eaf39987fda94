"""Regularisation variants on a small train set (notes 2.2-2.3).

  python launch/regularization.py --workdir=DIR [--config=launch/configs/regularization.py:smoke]
"""
import jax
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/regularization.py', 'experiment config')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_regularization',
                               'output directory')


def main(argv):
  del argv
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  from jaxdl.regularization.experiment import run  # after flags: XLA_FLAGS
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  print(result.table)
  print(f'regularization.md, regularization_curves.png, augmented_examples.png '
        f'in {_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
