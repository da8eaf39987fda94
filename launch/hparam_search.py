"""Random vs grid search and coarse-to-fine, trials vectorised (notes 2.10-2.11).

python launch/hparam_search.py --workdir=DIR [--config=launch/configs/hparam_search.py:smoke]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/hparam_search.py',
      'jaxdl.hparam.hparam_search_experiment:run',
      '/tmp/jaxdl_hparam',
  )
