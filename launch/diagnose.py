"""Prints the diagnosis of a model from its errors (notes 3.8, 3.12).

  python launch/diagnose.py [--config=launch/configs/diagnose.py:VARIANT] [--config.dev_error=...]
"""

from jaxdl.analysis.diagnosis import diagnosis_from_config
from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/diagnose.py', 'the measured errors')


def main(argv):
  del argv
  diagnosis, num_examples = run_or_exit(diagnosis_from_config, _CONFIG.value)
  print(diagnosis.report(num_examples))


if __name__ == '__main__':
  launch(main)
