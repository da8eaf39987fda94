"""Neural style transfer (notes 4.14): python launch/style_transfer.py --workdir=DIR [--config...]."""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/style_transfer.py',
      'jaxdl.style.style_transfer_experiment:run',
      '/tmp/jaxdl_style_transfer',
  )
