"""Training on real TFDS datasets prepared on disk (ArrayRecord), streamed.

No mock: jaxdl.data.tfds_builders generates and prepares the datasets into a
temporary data_dir, and the runs read them by name or by directory through
``tfds.data_source``, the way a user's prepared MNIST or ImageNet would be.
The network is never reached (allow_download=False).
"""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from helpers import ROOT, small_config
from jaxdl.data.sources import TFDSSource
from jaxdl.data.tfds_builders import prepare_synthetic_images, prepare_synthetic_jpegs
from jaxdl.train import loop
from procs import Procs, checkpoint_steps, final_meta, last_line

NAME = 'jaxdl_synthetic_images/train200_test100_size16_seed0'
PERIODS = {
    'num_train_steps': 30,
    'log_every_steps': 5,
    'eval_every_steps': 10,
    'checkpoint_every_steps': 25,
}


@pytest.fixture(scope='module')
def data_dir(tmp_path_factory):
  d = tmp_path_factory.mktemp('tfds')
  builder = prepare_synthetic_images(str(d), num_train=200, num_test=100, image_size=16)
  assert builder.info.full_name.startswith(NAME)
  return d


def _config(data_dir, **overrides):
  return small_config(
      **{
          'dataset': NAME,
          'data.data_dir': str(data_dir),
          'data.allow_download': False,
          **PERIODS,
          **overrides,
      }
  )


@pytest.fixture(scope='module')
def straight(data_dir, tmp_path_factory):
  workdir = tmp_path_factory.mktemp('straight')
  result = loop.train_and_evaluate(_config(data_dir), str(workdir))
  return workdir, result


def test_a_prepared_tfds_dataset_streams_uint8_and_trains(data_dir, straight):
  dataset = loop.load_configured_dataset(_config(data_dir))
  assert all(isinstance(s, TFDSSource) or hasattr(s, 'parent') for s in dataset.splits.values())
  assert {k: len(s) for k, s in dataset.splits.items()} == {'train': 150, 'dev': 50, 'test': 100}
  first = dataset.splits['test'].read([0])[0]
  assert first['image'].dtype == np.uint8 and first['image'].shape == (16, 16, 3)
  _, result = straight
  assert result.final['test']['error'] < 0.75  # 10 classes: chance is 0.9


def test_a_prepared_directory_is_a_dataset_name(data_dir):
  directory = next((data_dir / NAME.split('/')[0]).glob('*/1.0.0'))
  by_dir = loop.load_configured_dataset(_config(data_dir, dataset=str(directory)))
  by_name = loop.load_configured_dataset(_config(data_dir))
  for split in ('train', 'dev', 'test'):
    a, b = by_dir.splits[split], by_name.splits[split]
    assert len(a) == len(b)
    np.testing.assert_array_equal(a.read([0, 5])[1]['image'], b.read([0, 5])[1]['image'])


def test_a_killed_run_with_worker_processes_resumes_bit_equal_to_one_without(
    data_dir, straight, tmp_path
):
  """Workers change where batches are made, not which: the killed-and-resumed
  run with 2 input worker processes ends bit-equal to the in-process run."""
  reference, _ = straight
  flags = [
      '--config=launch/configs/train.py:smoke',
      f'--config.dataset={NAME}',
      f'--config.data.data_dir={data_dir}',
      '--config.data.allow_download=False',
      '--config.data.num_workers=2',
  ] + [f'--config.{k}={v}' for k, v in PERIODS.items()]
  procs = Procs()
  try:
    workdir = tmp_path / 'run'
    proc = procs.start('train', workdir, *flags)
    assert procs.wait_for(lambda: 10 in checkpoint_steps(workdir), [proc])
    procs.kill([proc])
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    rc, _, err = procs.run('train', workdir, *flags)
    assert rc == 0, err[-3000:]
    assert 'resumed from' in err
  finally:
    procs.close()
  a, b = final_meta(workdir), final_meta(reference)
  assert a['integrity']['state'] == b['integrity']['state'], 'final states differ'
  assert a['history'] == b['history']
  assert (workdir / 'results.md').read_text() == (reference / 'results.md').read_text()


def test_peak_memory_stays_far_below_the_decoded_dataset(tmp_path):
  """Variable-size JPEGs whose float32 decode is several times the peak RSS
  of the whole training process (measured in the child, ru_maxrss)."""
  builder = prepare_synthetic_jpegs(
      str(tmp_path / 'tfds'), num_train=1500, num_test=100, min_side=256, max_side=400
  )
  source = builder.as_data_source('train')
  sides = [source[i]['image'].shape for i in range(0, 1500, 50)]
  decoded_gb = 1600 * np.mean([h * w * c for h, w, c in sides]) * 4 / 1e9
  name = builder.info.full_name.rsplit('/', 1)[0]
  flags = [
      '--config=launch/configs/train.py:smoke',
      f'--config.dataset={name}',
      f'--config.data.data_dir={tmp_path / "tfds"}',
      '--config.data.allow_download=False',
      '--config.data.preprocess=imagenet',
      '--config.data.image_size=32',
      '--config.num_train_steps=20',
      '--config.eval_every_steps=20',
      '--config.eval_train=False',
  ]
  r = subprocess.run(
      [
          sys.executable,
          'tests/peak_rss.py',
          sys.executable,
          'launch/train.py',
          f'--workdir={tmp_path / "run"}',
          *flags,
      ],
      cwd=ROOT,
      capture_output=True,
      text=True,
      timeout=400,
      env={**os.environ, 'PYTHONPATH': str(ROOT)},
  )
  assert r.returncode == 0, r.stderr[-3000:]
  peak_gb = int(last_line(r.stderr).split()[-1]) / 1e9
  assert decoded_gb > 3 * peak_gb, (decoded_gb, peak_gb)
  print(f'decoded float32 {decoded_gb:.2f} GB, peak RSS {peak_gb:.2f} GB')
