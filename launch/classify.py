"""Train a zoo ConvNet on an image dataset, printing its layer table first.

  python launch/classify.py --workdir=DIR [--config=launch/configs/classify.py:smoke]
"""
import jax
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/classify.py', 'experiment config')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_classify', 'output directory')


def main(argv):
  del argv
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  from jaxdl.convnets.classify import run  # after flags: jax sees XLA_FLAGS
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  print(result.run.table)
  print(f'layer table, curves, TensorBoard events and checkpoints in {_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
