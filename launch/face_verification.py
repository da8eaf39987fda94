"""Triplet-loss embedding, face verification and one-shot table (notes 4.12-4.13).

python launch/face_verification.py --workdir=DIR [--config.triplet.mining=batch_hard]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/face_verification.py',
      'jaxdl.embedding.face_verification_experiment:run',
      '/tmp/jaxdl_face_verification',
      workdir_help='output directory; rerun to resume training',
  )
