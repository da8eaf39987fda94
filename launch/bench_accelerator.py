"""Accelerator benchmark: training examples/s, step time, compile time and MFU.

  python launch/bench_accelerator.py                          # ResNet-50 + char LM, fp32 + bf16
  python launch/bench_accelerator.py --models=resnet50 --dtypes=bfloat16 --batch_per_device=256
  python launch/bench_accelerator.py --models=cnn,char_lm --image_size=32 --seq_len=32 \\
      --batch_per_device=8 --steps=3                          # a CPU-sized run

Rows: ResNet-50 at --image_size (224) on 1,000 classes and the character
LM of notes 5.2 (a GRU) on --seq_len tokens, each in every --dtypes, fed by
a batch made on the devices ('device') and by the streaming input pipeline
('pipeline'). Prints the table of jaxdl/bench/accelerator.py and, with
--json_out, writes the rows as JSON.
"""

import dataclasses
import json

from absl import flags, logging

from jaxdl.cli import launch, run_or_exit

_MODELS = flags.DEFINE_list('models', ['resnet50', 'char_lm'], 'models to time')
_DTYPES = flags.DEFINE_list('dtypes', ['float32', 'bfloat16'], 'computation dtypes')
_SOURCES = flags.DEFINE_list('sources', ['device', 'pipeline'], 'input sources')
_BATCH = flags.DEFINE_integer('batch_per_device', 128, 'examples per device per step')
_STEPS = flags.DEFINE_integer('steps', 20, 'timed steps per row')
_IMAGE = flags.DEFINE_integer('image_size', 224, 'image side (pixels)')
_SEQ = flags.DEFINE_integer('seq_len', 256, 'tokens per sequence (char_lm)')
_LM_FEATURES = flags.DEFINE_integer('lm_features', 1024, 'GRU hidden size of char_lm')
_JSON = flags.DEFINE_string('json_out', '', 'also write the rows here as JSON')


def main(argv):
  del argv
  import jax
  from jaxdl.bench import accelerator as bench

  run_or_exit(
      bench.check_flags,
      _MODELS.value,
      _DTYPES.value,
      _SOURCES.value,
      _BATCH.value,
      _STEPS.value,
      _IMAGE.value,
      _SEQ.value,
  )
  device = jax.devices()[0]
  logging.info('%d x %s (jax %s)', jax.device_count(), device.device_kind, jax.__version__)
  peaks, rows = {}, []
  for model in _MODELS.value:
    kwargs = (
        {'features': _LM_FEATURES.value, 'embed_dim': 256} if model in bench.SEQUENCE_MODELS else {}
    )
    for dtype in _DTYPES.value:
      rows += bench.measure(
          model,
          dtype,
          _SOURCES.value,
          _BATCH.value,
          _STEPS.value,
          image_size=_IMAGE.value,
          seq_len=_SEQ.value,
          model_kwargs=kwargs,
          peaks=peaks,
      )
      logging.info(
          '%s %s: %s examples/s',
          model,
          dtype,
          ', '.join(f'{r.source} {r.examples_per_s:.0f}' for r in rows[-2:]),
      )
  print(f'{jax.device_count()} x {device.device_kind}, jax {jax.__version__}')
  print(bench.format_table(rows, peaks))
  if _JSON.value:
    with open(_JSON.value, 'w') as f:
      json.dump(
          {
              'device': device.device_kind,
              'jax': jax.__version__,
              'rows': [dataclasses.asdict(r) for r in rows],
          },
          f,
          indent=1,
      )


if __name__ == '__main__':
  launch(main)
