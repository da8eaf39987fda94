"""Pretrain on digits 0-4, fine-tune on few-shot digits 5-9 (notes 3.14).

  python launch/transfer.py --workdir=DIR [--config=launch/configs/transfer.py:smoke]
"""
import jax
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/transfer.py', 'experiment config')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_transfer', 'output directory')


def main(argv):
  del argv
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  from jaxdl.transfer.experiment import run  # after flags: jax sees XLA_FLAGS
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  if result.pretrain_table:
    print(f'task A ({result.tasks[0]}) pretraining:')
    print(result.pretrain_table)
  print(f'\npretrained parameters loaded from {result.pretrained_from}')
  print(f'task B ({result.tasks[1]}), same steps and examples for every row:')
  print(result.table)
  print(f'\ntransfer.md and TensorBoard events in {_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
