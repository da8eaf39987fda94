"""With vs without batch norm: steps to a target loss (notes 2.12).

python launch/batchnorm.py --workdir=DIR [--config=launch/configs/batchnorm.py:smoke]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/batchnorm.py', 'jaxdl.models.batchnorm_experiment:run', '/tmp/jaxdl_batchnorm'
  )
