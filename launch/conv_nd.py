"""Train a 1D ConvNet on ECG-like signals or a 3D ConvNet on volumes (notes 4.14.2).

python launch/conv_nd.py --workdir=DIR [--config=launch/configs/conv_nd.py:volume]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/conv_nd.py', 'jaxdl.convnets.conv_nd_experiment:run', '/tmp/jaxdl_conv_nd'
  )
