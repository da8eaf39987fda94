"""Train a zoo ConvNet on an image dataset, printing its layer table first.

python launch/classify.py --workdir=DIR [--config=launch/configs/classify.py:smoke]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/classify.py', 'jaxdl.convnets.classify_experiment:run', '/tmp/jaxdl_classify'
  )
