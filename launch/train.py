"""Train a classifier (notes 2-3): python launch/train.py --workdir=DIR [--config...]."""
from absl import flags

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/train.py')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_train', 'output directory; rerun to resume')


def main(argv):
  del argv
  from jaxdl.train.loop import train_and_evaluate  # after flags: jax sees XLA_FLAGS
  result = run_or_exit(train_and_evaluate, _CONFIG.value, _WORKDIR.value)
  print(result.table)
  print(f'curves, TensorBoard events and checkpoints in {_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
