"""Translate human-readable dates to ISO 8601 (notes 5.3).

  python launch/translate.py --workdir=/tmp/translate [--config=launch/configs/translate.py:no_attention]
"""
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/translate.py', 'experiment config')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_translate',
                               'output directory; rerun to resume')


def main(argv):
  del argv
  import jax  # after flags: jax sees XLA_FLAGS
  from jaxdl.sequence.translate_experiment import run
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  print('teacher-forced metrics (error = share of sequences with a wrong token):')
  print(result.run.table)
  print('\nexample translations (greedy, test set):')
  for source, predicted, target in result.examples:
    mark = 'ok' if predicted == target else 'WRONG'
    print(f'  {source:>30} -> {predicted:<10}  ({target}) {mark}')
  print('\nfree-running decoding, exact match:')
  print(result.table)
  print(f'curves, TensorBoard events, checkpoints and translations.md in {_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
