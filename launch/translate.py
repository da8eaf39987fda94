"""Translate human-readable dates to ISO 8601 (notes 5.3).

python launch/translate.py --workdir=/tmp/translate [--config=launch/configs/translate.py:no_attention]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/translate.py',
      'jaxdl.sequence.translate_experiment:run',
      '/tmp/jaxdl_translate',
      workdir_help='output directory; rerun to resume',
  )
