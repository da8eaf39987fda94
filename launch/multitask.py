"""One network with several sigmoid heads vs separate networks (notes 3.15).

  python launch/multitask.py --workdir=DIR [--config=launch/configs/multitask.py:smoke]
"""
import jax
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/multitask.py', 'experiment config')
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
