"""End to end: the detection smoke config, the YOLO Task's metrics, the benchmarks."""

import os

import jax
import numpy as np
import pytest

from jaxdl.detection import benchmark
from jaxdl.detection import yolo
from jaxdl.detection.task import yolo_task
from launch.configs import detect as detect_config

ANCHORS = np.array([[0.2, 0.2], [0.1, 0.4]], np.float32)


def test_smoke_config_end_to_end(tmp_path):
  from jaxdl.detection.detect_experiment import run

  config = detect_config.get_config('smoke')
  result = run(config, str(tmp_path))
  assert set(result.ap) == {'dev', 'test'}
  for split in result.ap.values():
    assert set(split) == {'ellipse', 'rectangle', 'triangle', 'mAP'}
    assert all(0.0 <= v <= 1.0 for v in split.values() if not np.isnan(v))
  assert result.anchors.shape == (config.yolo.num_anchors, 2)
  for name in ('test_detections.png', 'detection_ap.md', 'results.md', 'curves_loss.png'):
    assert os.path.getsize(tmp_path / name) > 0
  assert any(f.startswith('events.out.tfevents') for f in os.listdir(tmp_path / 'tensorboard'))
  assert '**mAP**' in result.table and 'triangle' in result.table
  losses = result.run.history['dev/loss']
  assert len(losses) >= 2 and np.all(np.isfinite(losses))
  assert int(result.run.state.step) == 2 * (64 // 16)


@pytest.mark.slow
def test_default_config_reaches_map_target(tmp_path):
  """The acceptance run (minutes of CPU): test mAP@0.5 >= 0.8, every class >= 0.7."""
  from jaxdl.detection.detect_experiment import run

  result = run(detect_config.get_config(), str(tmp_path))
  assert result.ap['test']['mAP'] >= 0.8
  assert min(v for k, v in result.ap['test'].items() if k != 'mAP') >= 0.7


def test_unknown_variant_is_rejected():
  with pytest.raises(ValueError, match='smoke'):
    detect_config.get_config('huge')


def _perfect_outputs(targets):
  out = np.zeros_like(targets)
  obj = targets[..., 0] > 0
  out[..., 0] = np.where(obj, 12.0, -12.0)
  bxy = np.clip(targets[..., 1:3], 1e-6, 1 - 1e-6)
  out[..., 1:3] = np.log(bxy / (1 - bxy))
  s = targets.shape[-4]
  out[..., 3:5] = np.where(
      obj[..., None], np.log(np.maximum(targets[..., 3:5], 1e-6) / (ANCHORS[:, ::-1] * s)), 0
  )
  out[..., 5:] = 20.0 * targets[..., 5:]
  return out


def test_task_metrics_are_exact_and_ignore_padding():
  boxes = np.array(
      [[[0.4, 0.1, 0.6, 0.3], [0.05, 0.55, 0.15, 0.95]], [[0.1, 0.1, 0.3, 0.3], [0, 0, 0, 0]]],
      np.float32,
  )
  batch = {
      'boxes': boxes,
      'labels': np.array([[2, 0], [1, 0]]),
      'box_mask': np.array([[True, True], [True, False]]),
      'mask': np.array([1.0, 0.0]),
  }
  task = yolo_task(grid_size=3, anchors=ANCHORS, num_classes=3)
  targets = np.stack(
      [
          np.asarray(
              yolo.encode_targets(
                  boxes[i],
                  batch['labels'][i],
                  batch['box_mask'][i],
                  grid_size=3,
                  anchors=ANCHORS,
                  num_classes=3,
              )
          )
          for i in range(2)
      ]
  )
  out = _perfect_outputs(targets)
  out[1] = 50.0  # the padded example is garbage: it must not count
  loss_fn = jax.jit(task.loss_fn)
  loss, metrics = loss_fn(out, batch)
  assert (
      float(metrics['error'][1]) == 2.0 and float(metrics['error'][0]) == 0.0
  )  # 2 real objects, both hit
  assert float(metrics['loss'][1]) == 1.0 and float(loss) < 1e-2
  out[0, 0, 1, 0, 5:] = 20.0 * np.eye(3)[0]  # wrong class for the square -> one miss
  _, metrics = loss_fn(out, batch)
  assert float(metrics['error'][0]) == 1.0
  with pytest.raises(ValueError, match='task expects'):
    task.loss_fn(out[:, :2], batch)


def test_benchmarks_run_and_agree():
  r = benchmark.time_nms(300, max_outputs=50, repeats=2)  # raises if jitted and Python NMS disagree
  assert 0 < r['kept'] <= 50 and r['jax_ms'] > 0
  s = benchmark.time_sliding_windows(image_size=20, batch=1, hidden=16, repeats=1)
  assert s['windows'] == 16 and s['max_abs_diff'] < 1e-4
