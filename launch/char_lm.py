"""Character-level language model (notes 5.2); prints samples as it trains.

python launch/char_lm.py --workdir=/tmp/char_lm [--config=launch/configs/char_lm.py:shakespeare]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/char_lm.py',
      'jaxdl.sequence.char_lm_experiment:run',
      '/tmp/jaxdl_char_lm',
      workdir_help='output directory; rerun to resume',
  )
