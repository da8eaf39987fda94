"""Prints the diagnosis of a model from its errors (notes 3.8, 3.12).

python launch/diagnose.py [--config=launch/configs/diagnose.py:VARIANT] [--config.dev_error=...]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/diagnose.py',
      'jaxdl.analysis.diagnose_experiment:run',
      None,
      config_help='the measured errors',
  )
