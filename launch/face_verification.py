"""Triplet-loss embedding, face verification and one-shot table (notes 4.12-4.13).

  python launch/face_verification.py --workdir=DIR [--config.triplet.mining=batch_hard]
"""
import jax
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/face_verification.py', 'experiment config')
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
