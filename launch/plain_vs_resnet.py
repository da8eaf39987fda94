"""Plain vs residual nets of growing depth (notes 4.9): table + training-error curves.

python launch/plain_vs_resnet.py --workdir=DIR [--config=launch/configs/plain_vs_resnet.py:smoke]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/plain_vs_resnet.py',
      'jaxdl.convnets.plain_vs_resnet_experiment:run',
      '/tmp/jaxdl_plain_vs_resnet',
  )
