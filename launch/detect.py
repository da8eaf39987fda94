"""YOLO detection on generated shapes: per-class AP@0.5 and a PNG of boxes (notes 4.11).

  python launch/detect.py --workdir=DIR [--config=launch/configs/detect.py:smoke]
"""
import jax
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/detect.py', 'experiment config')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_detect', 'output directory; rerun to resume')


def main(argv):
  del argv
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  from jaxdl.detection.experiment import run  # after flags
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  print('training (error = objects missed at their assigned grid slot):')
  print(result.train_table)
  print(f'\nanchors (w, h) / image: {result.anchors.astype(float).round(3).tolist()} '
        f'(mean best IoU with train boxes {result.mean_anchor_iou:.3f})')
  print('\nVOC all-point AP@0.5:')
  print(result.table)
  print(f'\ntest images with predicted boxes: {result.png}')


if __name__ == '__main__':
  launch(main)
