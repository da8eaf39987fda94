"""Plain vs residual nets of growing depth (notes 4.9): table + training-error curves.

  python launch/plain_vs_resnet.py --workdir=DIR [--config=launch/configs/plain_vs_resnet.py:smoke]
"""
import jax
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/plain_vs_resnet.py', 'experiment config')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_plain_vs_resnet', 'output directory')


def main(argv):
  del argv
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  from jaxdl.convnets.plain_vs_resnet import run  # after flags: jax sees XLA_FLAGS
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  print(result.table)
  print(f'plain error grows with depth: {result.plain_degrades}; '
        f'ResNet error does not: {result.residual_holds}')
  print(f'plain_vs_resnet.png/.md and per-network runs in {_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
