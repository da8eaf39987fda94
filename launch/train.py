"""Train a classifier (notes 2-3): python launch/train.py --workdir=DIR [--config...]."""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/train.py',
      'jaxdl.train.train_experiment:run',
      '/tmp/jaxdl_train',
      workdir_help='output directory; rerun to resume',
  )
