"""Input pipeline benchmark: host images/s per worker count, input wait, peak RSS.

  python launch/bench_pipeline.py                      # prepares its datasets once
  python launch/bench_pipeline.py --workers=0,1,2 --num_train=60000 --image_size=64

Prepares (once, offline, in --data_dir) the synthetic TFDS datasets of
jaxdl/data/tfds_builders.py: fixed-size PNG images and variable-size JPEGs.
Prints three tables (see jaxdl/bench/input_pipeline.py): pipeline images/s
by worker processes, the input wait of CIFAR ResNet-18 training steps fed by
the pipeline, and the peak RSS of a launch/train.py run on the large dataset
against its decoded float32 size.
"""

import tempfile

from absl import flags, logging

from jaxdl.cli import launch, run_or_exit

_DATA_DIR = flags.DEFINE_string('data_dir', '/tmp/jaxdl_bench_data', 'where the datasets go')
_WORKERS = flags.DEFINE_list('workers', ['0', '1', '2'], 'input worker process counts')
_BATCH = flags.DEFINE_integer('batch_size', 128, 'global batch size')
_STEPS = flags.DEFINE_integer('steps', 20, 'timed batches per measurement')
_NUM_TRAIN = flags.DEFINE_integer('num_train', 60_000, 'images of the large fixed-size set')
_IMAGE_SIZE = flags.DEFINE_integer('image_size', 64, 'side of the large set (pixels)')
_NUM_JPEGS = flags.DEFINE_integer('num_jpegs', 2_000, 'variable-size JPEGs (48-160 px)')
_WAIT_STEPS = flags.DEFINE_integer('wait_steps', 6, 'timed ResNet-18 steps per loop')
_WAIT_BATCH = flags.DEFINE_integer('wait_batch_size', 64, 'ResNet-18 batch size')


def main(argv):
  del argv
  from jaxdl.bench import input_pipeline as bench
  from jaxdl.data.image_ops import make_transforms
  from jaxdl.data.sources import TFDSSource
  from jaxdl.data.tfds_builders import prepare_synthetic_images, prepare_synthetic_jpegs

  workers = run_or_exit(lambda: [int(w) for w in _WORKERS.value])
  run_or_exit(
      bench.check_flags, workers, _BATCH.value, _STEPS.value, _NUM_TRAIN.value, _IMAGE_SIZE.value
  )
  d = _DATA_DIR.value
  logging.info('preparing the datasets in %s (once)', d)
  large = prepare_synthetic_images(d, _NUM_TRAIN.value, 1_000, image_size=_IMAGE_SIZE.value)
  cifar = prepare_synthetic_images(d, 5_000, 1_000, image_size=32)
  jpegs = prepare_synthetic_jpegs(d, _NUM_JPEGS.value, 200)
  large_train = TFDSSource(str(large.data_dir), 'train')
  train_tf, _ = make_transforms('imagenet', 64)

  rates = []
  for w in workers:
    rates.append(
        bench.host_rate(
            large_train,
            _BATCH.value,
            _STEPS.value,
            w,
            name=f'{_IMAGE_SIZE.value}x{_IMAGE_SIZE.value} PNG',
        )
    )
    rates.append(
        bench.host_rate(
            TFDSSource(str(jpegs.data_dir), 'train'),
            _BATCH.value,
            _STEPS.value,
            w,
            transform=train_tf,
            name='JPEG 48-160 px -> crop 64',
        )
    )
    logging.info('host rate with %d workers done', w)
  waits = [
      bench.input_wait(
          TFDSSource(str(cifar.data_dir), 'train'),
          'cifar_resnet18',
          10,
          _WAIT_BATCH.value,
          _WAIT_STEPS.value,
          w,
      )
      for w in (0,)
  ]
  name = large.info.full_name.rsplit('/', 1)[0]
  run_flags = [
      '--config=launch/configs/train.py:smoke',
      f'--config.dataset={name}',
      f'--config.data.data_dir={d}',
      '--config.data.allow_download=False',
      '--config.num_train_steps=100',
      '--config.eval_every_steps=100',
      '--config.eval_train=False',
      '--config.batch_size=128',
  ]
  peak = bench.peak_rss_of_run(run_flags, tempfile.mkdtemp(prefix='rss_run', dir=d))
  memory = [(f'launch/train.py, {name}', bench.decoded_float32_bytes(large_train), peak)]
  print(bench.format_tables(rates, waits, memory))


if __name__ == '__main__':
  launch(main)
