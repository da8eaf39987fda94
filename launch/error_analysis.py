"""Error analysis of another run's checkpoint: the 3.10 table, mislabels (notes 3.10, 3.11).

python launch/error_analysis.py --workdir=DIR --config.source_workdir=RUN_WORKDIR
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/error_analysis.py',
      'jaxdl.review.error_analysis_experiment:run',
      '/tmp/jaxdl_errors',
      config_help='analysis config',
      exit_on=(FileNotFoundError,),
  )
