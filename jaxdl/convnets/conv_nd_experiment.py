"""1D and 3D ConvNets on generated signals and volumes (notes 4.14.2).

The same conv -> ReLU -> pool stack (jaxdl.models.zoo.convnet_nd) classifies
ECG-like records [N, T, 1] with 1D filters (`signal_net`) and noisy shape
volumes [N, D, H, W, 1] with 3D filters (`volume_net`); the data is
jaxdl.convnets.nd_data. The layer table is printed and saved first, training
is the core loop, and the report is the core's error table plus the
model's parameter count.
"""

from __future__ import annotations

import dataclasses

from jaxdl import experiment_checks as checks
from jaxdl.convnets import nd_data
from jaxdl.convnets.classify_experiment import train_with_layer_table
from jaxdl.train import loop
from jaxdl.train.config_check import require, require_choice, require_int

# dataset -> (spatial axes of its inputs, smallest generator.size): an ECG record
# needs 2 s at 100 Hz to hold a premature beat, a volume 12 voxels a side for the shapes.
DATASETS = {'ecg': (1, 200), 'shapes3d': (3, 12)}


@dataclasses.dataclass
class ConvNDResult:
  """What `run` returns."""

  layer_table: str  # the formatted table
  num_params: int  # total parameters of the model
  run: loop.RunResult  # the core's result (final metrics, history, table)


def check_config(config) -> None:
  """Every field of launch/configs/conv_nd.py; raises ConfigError before any data."""
  require_choice('dataset', config.dataset, DATASETS)
  dims, min_size = DATASETS[config.dataset]
  cls = checks.model_class(config.model)
  checks.check_model_kwargs(config.model_kwargs, cls)
  model_dims = {**getattr(cls, 'keywords', {}), **config.model_kwargs}.get('spatial_dims')
  require(
      model_dims == dims,
      'model',
      config.model,
      f'must take inputs with {dims} spatial axes for dataset {config.dataset!r} '
      f'(signal_net: 1, volume_net: 3)',
  )
  checks.require_split_sizes(
      'generator.sizes.{}', config.generator.sizes, 'train', config.batch_size
  )
  require_int('generator.size', config.generator.size, min_size)
  checks.check_core_fields(config)


def load_dataset(config):
  """The generated dataset config.dataset names, with config.generator's sizes."""
  return nd_data.load_nd_dataset(
      config.dataset, dict(config.generator.sizes), config.seed, config.generator.size
  )


def run(config, workdir: str) -> ConvNDResult:
  """Prints the model's layer table, then trains and evaluates it.

  Args:
    config: launch/configs/conv_nd.py's ConfigDict (the core train config plus
      `generator`).
    workdir: output directory; layer_table.txt goes there too.

  Returns:
    ConvNDResult.
  """
  check_config(config)
  dataset = load_dataset(config)
  return ConvNDResult(*train_with_layer_table(config, workdir, dataset, dataset.info.description))


def report(result: ConvNDResult, workdir: str) -> str:
  """What launch/conv_nd.py prints after the run (the layer table came first)."""
  return (
      f'{result.run.table}\n'
      f'parameters: {result.num_params:,}\n'
      f'layer table, curves, TensorBoard events and checkpoints in {workdir}'
  )
