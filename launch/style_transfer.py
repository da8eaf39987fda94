"""Neural style transfer (notes 4.14): python launch/style_transfer.py --workdir=DIR [--config...]."""
import jax
from absl import flags, logging

from jaxdl.cli import define_config, launch, run_or_exit

_CONFIG = define_config('launch/configs/style_transfer.py', 'experiment config')
_WORKDIR = flags.DEFINE_string('workdir', '/tmp/jaxdl_style_transfer', 'output directory')


def main(argv):
  del argv
  logging.info('process %d/%d', jax.process_index(), jax.process_count())
  from jaxdl.style.experiment import run  # after flags
  result = run_or_exit(run, _CONFIG.value, _WORKDIR.value)
  print(result.table)
  print(f'generated image: {result.generated_png}')
  print(f'content.png, style.png, panel.png, cost_curve.png and TensorBoard events in '
        f'{_WORKDIR.value}')


if __name__ == '__main__':
  launch(main)
