"""Train a classifier (notes 2-3): python launch/train.py --workdir=DIR [--config...]."""
from absl import flags
from ml_collections import config_flags

from jaxdl.cli import launch, run_or_exit

_CONFIG = config_flags.DEFINE_config_file('config', 'launch/configs/train.py',
                                          'experiment config', lock_config=True)
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_train', 'output directory; rerun to resume')


def main(argv):
  del argv
  from jaxdl.train.loop import train_and_evaluate  # after flags: jax sees XLA_FLAGS
  result = run_or_exit(train_and_evaluate, _CONFIG.value, _WORKDIR.value)
  print(result.table)
  print(f'curves, TensorBoard events and checkpoints in {_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
