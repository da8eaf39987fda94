"""GD, SGD, momentum, RMSprop, Adam, Adam + decay; 2-D surfaces; EWA (notes 2.4-2.9).

python launch/optimizers.py --workdir=DIR [--config=launch/configs/optimizers.py:smoke]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/optimizers.py',
      'jaxdl.optim.optimizers_experiment:run',
      '/tmp/jaxdl_optimizers',
  )
