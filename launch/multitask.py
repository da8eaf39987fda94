"""One network with several sigmoid heads vs separate networks (notes 3.15).

python launch/multitask.py --workdir=DIR [--config=launch/configs/multitask.py:smoke]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/multitask.py',
      'jaxdl.multitask.multitask_experiment:run',
      '/tmp/jaxdl_multitask',
  )
