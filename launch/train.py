"""Train a classifier (notes 2-3): python launch/train.py --workdir=DIR [--config...]."""
import sys

from absl import app, flags, logging
from ml_collections import config_flags

from jaxdl.errors import JaxdlError

_CONFIG = config_flags.DEFINE_config_file('config', 'launch/configs/train.py',
                                          'experiment config', lock_config=True)
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_train', 'output directory; rerun to resume')


def main(argv):
  del argv
  from jaxdl.train.loop import train_and_evaluate  # after flags: jax sees XLA_FLAGS
  try:
    result = train_and_evaluate(_CONFIG.value, _WORKDIR.value)
  except JaxdlError as e:
    logging.flush()
    sys.exit(f'error: {e}')
  print(result.table)
  print(f'curves, TensorBoard events and checkpoints in {_WORKDIR.value}')


if __name__ == '__main__':
  app.run(main)
