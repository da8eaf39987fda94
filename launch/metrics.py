"""F1, satisficing/optimizing model selection and weighted error on the digits.

python launch/metrics.py --workdir=DIR [--config=launch/configs/metrics.py:smoke]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/metrics.py', 'jaxdl.analysis.metrics_experiment:run', '/tmp/jaxdl_metrics'
  )
