"""Training throughput table for registered models on an embedded dataset.

  python launch/benchmark.py --models=mlp,cnn --batch_size=128
  python launch/benchmark.py --models=lenet5 --dataset=digits32

Prints compile time, examples/s with the batch on the device (compute) and
with fresh host batches (pipelined), their ratio and the input-wait share.
"""

from absl import flags, logging

from jaxdl.cli import launch, run_or_exit

_MODELS = flags.DEFINE_list('models', ['mlp', 'cnn'], 'names in jaxdl/models/registry.py')
_DATASET = flags.DEFINE_string('dataset', 'digits', 'embedded dataset giving the input shape')
_BATCH = flags.DEFINE_integer('batch_size', 128, 'global batch size')
_STEPS = flags.DEFINE_integer('steps', 50, 'timed steps per loop')
_DEVICES = flags.DEFINE_integer('num_devices', 0, 'devices in the mesh (0: all)')


def main(argv):
  del argv
  import jax
  from jaxdl.bench.throughput import check_batch_fits, check_flags, format_table, measure
  from jaxdl.data.registry import load_dataset
  from jaxdl.models.registry import build_model

  run_or_exit(
      check_flags, _MODELS.value, _DATASET.value, _BATCH.value, _STEPS.value, _DEVICES.value
  )
  data = run_or_exit(load_dataset, _DATASET.value)
  train = data.splits['train']
  run_or_exit(check_batch_fits, _BATCH.value, len(train['label']))
  logging.info('%d %s device(s)', jax.device_count(), jax.devices()[0].platform)
  rows = []
  for name in _MODELS.value:
    model = build_model(name, data.info.num_classes)
    rows.append(
        measure(
            name,
            model,
            train['image'],
            train['label'],
            data.info.num_classes,
            _BATCH.value,
            _STEPS.value,
            num_devices=_DEVICES.value,
        )
    )
    logging.info('%s done', name)
  print(f'{jax.device_count()} x {jax.devices()[0].device_kind}, dataset {_DATASET.value}')
  print(format_table(rows))


if __name__ == '__main__':
  launch(main)
