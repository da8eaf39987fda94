"""One network with several sigmoid heads vs separate networks (notes 3.15).

  python launch/multitask.py --workdir=DIR [--config=launch/configs/multitask.py:smoke]
"""
import jax
from absl import flags, logging
from ml_collections import config_flags

from jaxdl.cli import launch, run_or_exit

_CONFIG = config_flags.DEFINE_config_file('config', 'launch/configs/multitask.py',
                                          'experiment config', lock_config=True)
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_multitask', 'output directory')


def main(argv):
  del argv
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  from jaxdl.multitask.experiment import run  # after flags: jax sees XLA_FLAGS
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  print('error per shape (present/absent), over fully labelled dev and test:')
  print(result.table)
  print(f"\ntraining labels used: {result.num_train_labels}; 1 model vs "
        f"{len(next(iter(result.errors['single-task'].values())))} models")
  print(f'curves, TensorBoard events and multitask.md in {_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
