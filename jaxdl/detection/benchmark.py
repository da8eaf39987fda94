"""Timings for notes 4.11: NMS at 1,000 / 5,000 boxes and sliding windows vs conv.

Each timed function is jitted, run once to compile, then timed over `repeats`
calls (blocking on the result); the median wall time is reported, in ms.
"""

import time

import jax
import numpy as np

from jaxdl.detection import nms as nms_lib
from jaxdl.detection import sliding_windows as sw
from jaxdl.train.config_check import require_flag

WINDOW = 14  # sliding-window side of time_sliding_windows
WINDOW_STRIDE = 2  # its max-pool stride, the window step


def check_flags(sizes, max_outputs: int, image_size: int, batch: int, repeats: int):
  """launch/bench_detection.py's flags; returns the box counts as ints.

  Raises:
    ConfigError naming the flag, before anything is timed.
  """
  counts = []
  for n in sizes:
    try:
      counts.append(int(n))
    except (TypeError, ValueError):
      counts.append(0)
  require_flag(
      bool(counts) and all(c >= 1 for c in counts),
      'sizes',
      ','.join(map(str, sizes)),
      'must be a comma-separated list of box counts >= 1',
  )
  require_flag(max_outputs >= 1, 'max_outputs', max_outputs, 'must be >= 1')
  require_flag(
      image_size >= WINDOW and (image_size - WINDOW) % WINDOW_STRIDE == 0,
      'image_size',
      image_size,
      f'must be >= {WINDOW} (the window) with '
      f'image_size - {WINDOW} a multiple of the stride {WINDOW_STRIDE}',
  )
  require_flag(batch >= 1, 'batch', batch, 'must be >= 1')
  require_flag(repeats >= 1, 'repeats', repeats, 'must be >= 1')
  return counts


def _median_ms(fn, repeats):
  jax.block_until_ready(fn())  # compile + warm up
  times = []
  for _ in range(repeats):
    t = time.perf_counter()
    jax.block_until_ready(fn())
    times.append(time.perf_counter() - t)
  return 1e3 * float(np.median(times))


def random_boxes(n, num_classes, seed=0, image_size=512.0):
  """n boxes of 16-96 px over an image_size square, uniform scores, random classes."""
  rng = np.random.default_rng(seed)
  centers = rng.uniform(0, image_size, (n, 2))
  sizes = rng.uniform(16, 96, (n, 2))
  boxes = np.concatenate([centers - sizes / 2, centers + sizes / 2], 1).astype(np.float32)
  return (
      boxes,
      rng.uniform(0, 1, n).astype(np.float32),
      rng.integers(0, num_classes, n).astype(np.int32),
  )


def time_nms(
    n,
    *,
    max_outputs=100,
    num_classes=3,
    iou_threshold=0.5,
    score_threshold=0.05,
    repeats=10,
    reference=True,
):
  """Milliseconds of jitted `nms` (and of the Python loop) on n random boxes.

  Returns:
    dict with n, max_outputs, kept, jax_ms, python_ms (NaN if reference=False).
  """
  boxes, scores, classes = random_boxes(n, num_classes)
  kwargs = dict(
      max_outputs=max_outputs, iou_threshold=iou_threshold, score_threshold=score_threshold
  )
  jax_ms = _median_ms(lambda: nms_lib.nms(boxes, scores, classes, **kwargs), repeats)
  kept = int(nms_lib.nms(boxes, scores, classes, **kwargs).count)
  py_ms = float('nan')
  if reference:
    t = time.perf_counter()
    want = nms_lib.nms_reference(boxes, scores, classes, **kwargs)
    py_ms = 1e3 * (time.perf_counter() - t)
    if len(want) != kept:
      raise AssertionError(f'jitted NMS kept {kept} boxes, the reference {len(want)}')
  return {'n': n, 'max_outputs': max_outputs, 'kept': kept, 'jax_ms': jax_ms, 'python_ms': py_ms}


def time_sliding_windows(
    image_size=64, batch=4, window=WINDOW, hidden=400, num_classes=4, repeats=5
):
  """Milliseconds of crop-every-window vs the fully convolutional net (notes 4.11.3).

  Both are jitted; the window stride is the max-pool stride (2), the only
  stride at which the two are the same computation. Also checks they agree.

  Returns:
    dict with windows per image, crop_ms, conv_ms, ratio = crop_ms / conv_ms, max_abs_diff.
  """
  dense = sw.WindowClassifier(hidden=hidden, num_classes=num_classes)
  conv = sw.ConvWindowClassifier(window=window, hidden=hidden, num_classes=num_classes)
  params = dense.init(jax.random.key(0), np.zeros((1, window, window, 3), np.float32))['params']
  conv_params = sw.dense_to_conv_params(params, window, dense.kernel, dense.pool)
  images = (
      np.random.default_rng(0).uniform(size=(batch, image_size, image_size, 3)).astype(np.float32)
  )
  crop_fn = jax.jit(
      lambda p, x: sw.sliding_window_logits(
          lambda c: dense.apply({'params': p}, c), x, window, dense.pool
      )
  )
  conv_fn = jax.jit(lambda p, x: conv.apply({'params': p}, x))
  a, b = crop_fn(params, images), conv_fn(conv_params, images)
  crop_ms = _median_ms(lambda: crop_fn(params, images), repeats)
  conv_ms = _median_ms(lambda: conv_fn(conv_params, images), repeats)
  return {
      'image_size': image_size,
      'batch': batch,
      'windows': a.shape[1] * a.shape[2],
      'crop_ms': crop_ms,
      'conv_ms': conv_ms,
      'ratio': crop_ms / conv_ms,
      'max_abs_diff': float(np.max(np.abs(np.asarray(a) - np.asarray(b)))),
  }
