"""Character-level language model (notes 5.2); prints samples as it trains.

  python launch/char_lm.py --workdir=/tmp/char_lm [--config=launch/configs/char_lm.py:shakespeare]
"""
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/char_lm.py', 'experiment config')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_char_lm',
                               'output directory; rerun to resume')


def main(argv):
  del argv
  import jax  # after flags: jax sees XLA_FLAGS
  from jaxdl.sequence.char_lm_experiment import run
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  for temperature, text in result.samples.items():
    print(f'\nfinal sample, temperature {temperature}:\n{text}')
  print('\nper-character perplexity:')
  print(result.table)
  print(f'perplexity.png, TensorBoard events and checkpoints in {_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
