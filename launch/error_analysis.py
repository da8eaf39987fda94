"""Error analysis of another run's checkpoint: the 3.10 table, mislabels (notes 3.10, 3.11).

  python launch/error_analysis.py --workdir=DIR --config.source_workdir=RUN_WORKDIR
"""
import sys

import jax
from absl import flags, logging

from jaxdl.errors import JaxdlError
from jaxdl.cli import define_config, launch

_CONFIG = define_config('launch/configs/error_analysis.py', 'analysis config')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_errors', 'output directory')


def main(argv):
  del argv
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  from jaxdl.review.error_run import run  # after flags: jax sees XLA_FLAGS
  try:
    r = run(_CONFIG.value, _WORKDIR.value)
  except (JaxdlError, FileNotFoundError) as e:
    logging.flush()
    sys.exit(f'error: {e}')
  print(f'dev error {100 * r.dev_error:.2f}%; error analysis table (notes 3.10):')
  print(r.markdown)
  print(f"\nlikely mislabelled (3.11): {len(r.flagged['dev'])} dev, {len(r.flagged['test'])} test; "
        f'they are {100 * r.mislabel_share:.1f}% of the dev errors')
  if len(r.injected['dev']):
    print(f"injected label flips found by the ranking: {100 * r.injected_found:.1f}% "
          f"of {len(r.injected['dev'])} in dev; {100 * r.injected_precision:.1f}% of the "
          'flagged were injected flips')
  if r.relabelled_errors:
    for split, (before, after) in r.relabelled_errors.items():
      print(f'{split} error after relabelling: {100 * before:.2f}% -> {100 * after:.2f}%')
  print('files: ' + ', '.join(r.files.values()))


if __name__ == '__main__':
  launch(main)
