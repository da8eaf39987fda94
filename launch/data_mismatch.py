"""Train on A, evaluate on B, diagnose, then synthesise B-like data (notes 3.12, 3.13).

python launch/data_mismatch.py --workdir=DIR [--config=launch/configs/data_mismatch.py:smoke]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/data_mismatch.py',
      'jaxdl.mismatch.data_mismatch_experiment:run',
      '/tmp/jaxdl_mismatch',
  )
