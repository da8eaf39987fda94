"""Triplet-loss embedding, face verification and one-shot table (notes 4.12-4.13).

  python launch/face_verification.py --workdir=DIR [--config.triplet.mining=batch_hard]
"""
import jax
from absl import flags, logging
from ml_collections import config_flags

from jaxdl.cli import launch, run_or_exit

_CONFIG = config_flags.DEFINE_config_file('config', 'launch/configs/face_verification.py',
                                          'experiment config', lock_config=True)
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_face_verification',
                               'output directory; rerun to resume training')


def main(argv):
  del argv
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  from jaxdl.embedding.experiment import run  # after flags
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  print('triplet training (error = in-batch nearest-neighbour misidentification):')
  print(result.train_table)
  print('\nheld-out identities (never seen in training):')
  print(result.table)
  print(f'\n2-D projection of test embeddings: {result.projection_png}')


if __name__ == '__main__':
  launch(main)
