"""Pretrain on digits 0-4, fine-tune on few-shot digits 5-9 (notes 3.14).

python launch/transfer.py --workdir=DIR [--config=launch/configs/transfer.py:smoke]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/transfer.py', 'jaxdl.transfer.transfer_experiment:run', '/tmp/jaxdl_transfer'
  )
