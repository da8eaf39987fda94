"""YOLO detection on generated shapes: per-class AP@0.5 and a PNG of boxes (notes 4.11).

python launch/detect.py --workdir=DIR [--config=launch/configs/detect.py:smoke]
"""

from jaxdl.cli import experiment_main

if __name__ == '__main__':
  experiment_main(
      'launch/configs/detect.py',
      'jaxdl.detection.detect_experiment:run',
      '/tmp/jaxdl_detect',
      workdir_help='output directory; rerun to resume',
  )
