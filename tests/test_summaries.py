"""What a run leaves in TensorBoard and on the console: scalars, the curve
images, the config as hparams, every workdir PNG as an image, one line per
evaluation and an ETA that counts the evaluations.

Two readers: the TFRecord one below (always on; independent of the writer's
code paths) and TensorBoard's own EventAccumulator where tensorboard is
installed (it is not a dependency).
"""

import io
import logging
import math
import os
import struct

import numpy as np
import pytest
from PIL import Image

from helpers import small_config
from jaxdl.train import loop
from jaxdl.viz import summaries
from test_train_core import _read_scalars


def _events(logdir):
  """Every Event of every event file in ``logdir``, in file order."""
  from tensorboardX.proto import event_pb2

  out = []
  for path in sorted(logdir.glob('events.out.tfevents.*')):
    data = path.read_bytes()
    pos = 0
    while pos < len(data):
      (length,) = struct.unpack('<Q', data[pos : pos + 8])
      out.append(event_pb2.Event.FromString(data[pos + 12 : pos + 12 + length]))
      pos += 12 + length + 4
  return out


def _images(logdir):
  """{tag: [(step, [H, W, C] uint8)]} of the image summaries."""
  out = {}
  for event in _events(logdir):
    for v in event.summary.value:
      if v.HasField('image'):
        pixels = np.asarray(Image.open(io.BytesIO(v.image.encoded_image_string)))
        out.setdefault(v.tag, []).append((event.step, pixels))
  return out


def _hparams(logdir):
  """{tag: HParamsPluginData} of the summaries whose plugin is 'hparams'."""
  from tensorboardX.proto.plugin_hparams_pb2 import HParamsPluginData

  out = {}
  for event in _events(logdir):
    for v in event.summary.value:
      if v.metadata.plugin_data.plugin_name == 'hparams':
        out[v.tag] = HParamsPluginData.FromString(v.metadata.plugin_data.content)
  return out


def _png_pixels(path):
  with Image.open(path) as img:
    return np.asarray(img.convert('RGBA' if 'A' in img.getbands() else 'RGB'))


@pytest.fixture(scope='module')
def smoke_run(tmp_path_factory):
  """One smoke run: (workdir, RunResult, absl log messages)."""
  workdir = tmp_path_factory.mktemp('smoke')
  handler = _ListHandler()
  absl_logger = logging.getLogger('absl')
  old_level = absl_logger.level
  absl_logger.addHandler(handler)
  absl_logger.setLevel(logging.INFO)
  try:
    r = loop.train_and_evaluate(small_config(num_train_steps=30, eval_every_steps=10), str(workdir))
  finally:
    absl_logger.removeHandler(handler)
    absl_logger.setLevel(old_level)
  return workdir, r, handler.messages


class _ListHandler(logging.Handler):

  def __init__(self):
    super().__init__(logging.INFO)
    self.messages = []

  def emit(self, record):
    self.messages.append(record.getMessage())


def test_smoke_run_writes_scalars_curve_images_and_hparams(smoke_run):
  workdir, r, _ = smoke_run
  logdir = workdir / 'tensorboard'
  scalars = _read_scalars(logdir)
  for tag in (
      'train/learning_rate',
      'train_batch/loss',
      'train_batch/error',
      'train/error',
      'dev/error',
      'dev/loss',
      'final/test/error',
      'perf/examples_per_s',
  ):
    assert tag in scalars, tag
  # Errors stay fractions in TensorBoard (the history's values); % is for people.
  np.testing.assert_allclose(
      [v for _, v in scalars['dev/error']], r.history['dev/error'], rtol=1e-6
  )

  images = _images(logdir)
  assert set(images) == {'curves_error', 'curves_loss'}
  for tag, [(step, pixels)] in images.items():
    assert step == 30
    np.testing.assert_array_equal(pixels, _png_pixels(workdir / f'{tag}.png'))

  hp = _hparams(logdir)
  assert set(hp) == {
      '_hparams_/session_start_info',
      '_hparams_/experiment',
      '_hparams_/session_end_info',
  }
  values = hp['_hparams_/session_start_info'].session_start_info.hparams
  assert values['optimizer.learning_rate'].number_value == pytest.approx(3e-3)
  assert values['optimizer.name'].string_value == 'adam'
  assert values['model_kwargs.features'].string_value == '(4, 8)'  # tuples become strings
  assert values['eval_train'].bool_value is True
  experiment = hp['_hparams_/experiment'].experiment
  metrics = {m.name.tag for m in experiment.metric_infos}
  assert {'final/test/error', 'final/dev/error', 'final/dev/loss'} <= metrics
  assert metrics <= set(scalars)  # each metric is a scalar of this same run
  assert {h.name for h in experiment.hparam_infos} == set(values)
  # Not in a sub-run directory, as tensorboardX's add_hparams would put them.
  assert not [p for p in logdir.iterdir() if p.is_dir()]


def test_tensorboard_own_reader_sees_the_same_run(smoke_run):
  pytest.importorskip('tensorboard')
  from tensorboard.backend.event_processing import event_accumulator

  workdir, r, _ = smoke_run
  acc = event_accumulator.EventAccumulator(
      str(workdir / 'tensorboard'), size_guidance={'scalars': 0, 'images': 0, 'tensors': 0}
  )
  acc.Reload()
  tags = acc.Tags()
  assert sorted(tags['images']) == ['curves_error', 'curves_loss']
  assert {
      'dev/error',
      'train/error',
      'train_batch/error',
      'train/learning_rate',
      'final/test/error',
  } <= set(tags['scalars'])
  assert [e.step for e in acc.Scalars('dev/error')] == r.history['step']
  [image] = acc.Images('curves_error')
  pixels = np.asarray(Image.open(io.BytesIO(image.encoded_image_string)))
  np.testing.assert_array_equal(pixels, _png_pixels(workdir / 'curves_error.png'))
  assert set(acc.PluginTagToContent('hparams')) == {
      '_hparams_/session_start_info',
      '_hparams_/experiment',
      '_hparams_/session_end_info',
  }


def test_console_has_one_line_per_evaluation_with_errors_in_percent(smoke_run):
  _, r, messages = smoke_run
  evals = [m for m in messages if m.startswith('eval at step')]
  assert len(evals) == len(r.history['step']) == 3
  first = evals[0]
  assert first.startswith(f"eval at step 10: dev error {100 * r.history['dev/error'][0]:.2f}%")
  assert f"train error {100 * r.history['train/error'][0]:.2f}%" in first
  assert 'dev loss' in first and 'accuracy' not in first
  steps = [m for m in messages if m.startswith('step ')]
  assert steps and all('ETA' in m and '%' in m for m in steps)


def test_format_eval_orders_dev_first_and_shows_errors_in_percent():
  line = loop.format_eval(
      {
          'train/loss': 0.01234,
          'train/error': 0.004,
          'dev/loss': 0.0812,
          'dev/error': 0.025,
          'dev/accuracy': 0.975,
          'train_dev/error': 0.01,
      }
  )
  assert line == (
      'dev error 2.50%  dev loss 0.0812  train-dev error 1.00%  '
      'train error 0.40%  train loss 0.01234'
  )


@pytest.mark.parametrize(
    'step, total, every, per_eval, expected',
    [
        # 60 steps left at 10/s; evals at 50, 100 and the final pass: 3 x 2 s.
        (40, 100, 50, 2.0, 6.0 + 6.0),
        # Not a multiple: evals at 30, 60, 90, the last step 100, the final pass.
        (0, 100, 30, 1.0, 10.0 + 5.0),
        (100, 100, 30, 1.0, 0.0 + 1.0),  # only the final pass is left
        (40, 100, 50, 0.0, 6.0),  # before the first evaluation: its cost is unknown
    ],
)
def test_eta_counts_training_and_the_evaluations_left(step, total, every, per_eval, expected):
  assert loop.eta_seconds(step, total, 10.0, every, per_eval) == pytest.approx(expected)


def test_eta_is_unknown_without_a_speed():
  assert math.isnan(loop.eta_seconds(0, 10, math.nan, 5, 1.0))


def _png(path, pixels):
  os.makedirs(os.path.dirname(path), exist_ok=True)
  Image.fromarray(pixels).save(path)


def test_log_workdir_images_writes_every_result_png_with_its_pixels(tmp_path):
  rng = np.random.default_rng(0)
  pngs = {
      'a.png': rng.integers(0, 256, (7, 5, 3), np.uint8),
      'sub/b.png': rng.integers(0, 256, (4, 9, 4), np.uint8),
  }  # with alpha
  for rel, pixels in pngs.items():
    _png(str(tmp_path / rel), pixels)
  # Not results: TensorBoard's and the checkpoints' own files.
  _png(str(tmp_path / 'tensorboard' / 'x.png'), pngs['a.png'])
  _png(str(tmp_path / 'checkpoints' / '12' / 'y.png'), pngs['a.png'])

  assert summaries.log_workdir_images(str(tmp_path), step=3) == 2
  images = _images(tmp_path / 'tensorboard')
  assert set(images) == {'a', 'sub/b'}
  for rel, pixels in pngs.items():
    [(step, got)] = images[rel[:-4]]
    assert step == 3
    np.testing.assert_array_equal(got, pixels)

  # Unchanged files are not written twice (the loop and the launcher both call it);
  # without a step, the images belong to the newest checkpoint's step.
  assert summaries.log_workdir_images(str(tmp_path)) == 0
  _png(str(tmp_path / 'a.png'), pngs['a.png'][::-1].copy())
  assert summaries.log_workdir_images(str(tmp_path)) == 1
  [_, (step, got)] = _images(tmp_path / 'tensorboard')['a']
  assert step == 12
  np.testing.assert_array_equal(got, pngs['a.png'][::-1])


def test_log_workdir_images_of_a_workdir_without_pngs_writes_nothing(tmp_path):
  assert summaries.log_workdir_images(str(tmp_path)) == 0
  assert not (tmp_path / 'tensorboard').exists()


def test_flatten_config_dots_nesting_and_stringifies_containers():
  import ml_collections

  c = ml_collections.ConfigDict(
      {
          'lr': 0.1,
          'name': 'adam',
          'on': True,
          'n': 3,
          'opt': {'decay': 0.9, 'betas': (0.9, 0.99)},
          'layers': [1, 2],
          'nothing': None,
      }
  )
  flat = summaries.flatten_config(c)
  assert flat == {
      'lr': 0.1,
      'name': 'adam',
      'on': True,
      'n': 3,
      'opt.decay': 0.9,
      'opt.betas': '(0.9, 0.99)',
      'layers': '[1, 2]',
      'nothing': 'None',
  }
  # Nested ConfigDicts are the config's structure; a plain dict value is one value.
  assert summaries.flatten_config({'kw': {'a': 1}, 'x': np.float32(0.5)}) == {
      'kw': "{'a': 1}",
      'x': 0.5,
  }


def test_detection_figure_has_a_legend_for_truth_and_predictions(tmp_path, monkeypatch):
  import matplotlib.figure
  from jaxdl.detection import plot

  legends = []
  original = matplotlib.figure.Figure.legend

  def spy(self, *args, **kwargs):
    legends.append([h.get_label() for h in kwargs['handles']])
    return original(self, *args, **kwargs)

  monkeypatch.setattr(matplotlib.figure.Figure, 'legend', spy)
  images = np.full((2, 16, 16, 1), 0.5)
  dets = [
      {
          'boxes': np.array([[0.1, 0.1, 0.5, 0.5]]),
          'scores': np.array([0.8]),
          'labels': np.array([1]),
      }
  ] * 2
  gts = [{'boxes': np.array([[0.1, 0.1, 0.6, 0.5]]), 'labels': np.array([1])}] * 2
  plot.draw_detections(str(tmp_path / 'd.png'), images, dets, ['cat', 'dog'], gts)
  assert (tmp_path / 'd.png').stat().st_size > 0
  assert legends == [['ground truth (dashed, class below)', 'predicted dog']]


def test_the_writer_does_not_load_pytorch(tmp_path):
  """tensorboardX would import an installed torch (seconds, hundreds of MB)."""
  import subprocess
  import sys

  pytest.importorskip('torch')
  code = (
      'import sys; from jaxdl.viz.summaries import SummaryWriter; '
      f'w = SummaryWriter({str(tmp_path)!r}, enabled=True); w.scalars(1, {{"a": 1.0}}); '
      'w.close(); loaded = "torch" in sys.modules; import torch; '
      'print(loaded, torch.ones(2).sum().item())'
  )
  out = subprocess.run(
      [sys.executable, '-c', code], capture_output=True, text=True, timeout=120, check=True
  ).stdout.split()
  assert out == ['False', '2.0']
