"""Regularisation variants on a small train set (notes 2.2-2.3).

python launch/regularization.py --workdir=DIR [--config=launch/configs/regularization.py:smoke]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/regularization.py',
      'jaxdl.regularization.regularization_experiment:run',
      '/tmp/jaxdl_regularization',
  )
