"""Sliding-window detection and its convolutional implementation (notes 4.11.2-4.11.3).

`WindowClassifier` is the notes' window classifier: conv -> max-pool -> dense
-> dense -> class logits on a fixed window (14 x 14 x 3 by default). Sliding it
over an image means cropping every window and classifying each crop
(`crop_every_window`), which recomputes the overlapping convolutions.

`ConvWindowClassifier` is the same network with each dense layer rewritten as a
convolution: the first dense layer becomes a conv whose kernel covers the whole
pooled feature map (its weights reshaped, `dense_to_conv_params`), the later
ones 1 x 1 convs. Run once on a larger image, it returns one output per window
position, with a window stride equal to the max-pool stride (notes 4.11.3).

Several window sizes (notes 4.11.2: "repeat with larger windows"): the
classifier is trained once on window-sized crops, and a window of side w is
slid by resizing the scene by window / w, so that the trained window covers w
scene pixels and its stride pool * w / window. `multiscale_detect` runs both
implementations at every scale, maps the windows back to scene pixels and
merges all scales with non-max suppression (jaxdl.detection.nms);
`multiscale_experiment` trains the classifier on crops of the generated
shapes (jaxdl.detection.data), detects objects of two sizes in a larger
scene and draws the result into a PNG.
"""

import os

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxdl.detection import data as data_lib
from jaxdl.detection import nms as nms_lib


class WindowClassifier(nn.Module):
  """Classifier of one window: [B, window, window, C] -> [B, num_classes] logits."""

  features: int = 16  # channels of the first conv
  kernel: int = 5  # conv kernel size (VALID padding)
  pool: int = 2  # max-pool size and stride
  hidden: int = 400  # width of the two dense layers
  num_classes: int = 4  # outputs (e.g. pedestrian, car, motorcycle, background)

  @nn.compact
  def __call__(self, x):
    x = nn.relu(nn.Conv(self.features, (self.kernel, self.kernel), padding='VALID', name='conv')(x))
    x = nn.max_pool(x, (self.pool, self.pool), strides=(self.pool, self.pool))
    x = x.reshape(x.shape[0], -1)  # (H, W, C) row-major, which `dense_to_conv_params` relies on
    x = nn.relu(nn.Dense(self.hidden, name='fc1')(x))
    x = nn.relu(nn.Dense(self.hidden, name='fc2')(x))
    return nn.Dense(self.num_classes, name='logits')(x)


class ConvWindowClassifier(nn.Module):
  """Fully convolutional twin of WindowClassifier: [B, H, W, C] -> [B, H', W', num_classes].

  H' = (H - window) / pool + 1: one output per window position, stride `pool`.
  """

  window: int = 14  # side of the window the classifier was built for
  features: int = 16
  kernel: int = 5
  pool: int = 2
  hidden: int = 400
  num_classes: int = 4

  @nn.compact
  def __call__(self, x):
    r = pooled_size(self.window, self.kernel, self.pool)
    x = nn.relu(nn.Conv(self.features, (self.kernel, self.kernel), padding='VALID', name='conv')(x))
    x = nn.max_pool(x, (self.pool, self.pool), strides=(self.pool, self.pool))
    x = nn.relu(nn.Conv(self.hidden, (r, r), padding='VALID', name='fc1')(x))
    x = nn.relu(nn.Conv(self.hidden, (1, 1), name='fc2')(x))
    return nn.Conv(self.num_classes, (1, 1), name='logits')(x)


def pooled_size(window, kernel, pool):
  """Side of the pooled feature map of one window; checks the sizes divide."""
  conv = window - kernel + 1
  if conv < 1 or conv % pool:
    raise ValueError(f'window - kernel + 1 = {conv} must be a positive multiple of pool = {pool}')
  return conv // pool


def dense_to_conv_params(params, window, kernel, pool):
  """Reshapes WindowClassifier params into ConvWindowClassifier params.

  fc1's kernel [r*r*F, hidden] becomes a conv kernel [r, r, F, hidden] (the
  flatten order (H, W, C) matches the conv's (H, W, in) layout); fc2 and
  logits kernels [h_in, h_out] become 1 x 1 conv kernels [1, 1, h_in, h_out].

  Args:
    params: the 'params' collection of a WindowClassifier.
    window, kernel, pool: that classifier's sizes.

  Returns:
    params for ConvWindowClassifier with the same fields.
  """
  r = pooled_size(window, kernel, pool)
  fc1 = params['fc1']['kernel']
  features = fc1.shape[0] // (r * r)
  if features * r * r != fc1.shape[0]:
    raise ValueError(f'fc1 kernel {fc1.shape} does not match a {r}x{r} pooled map')
  out = {
      'conv': params['conv'],
      'fc1': {'kernel': fc1.reshape(r, r, features, -1), 'bias': params['fc1']['bias']},
  }
  for name in ('fc2', 'logits'):
    k = params[name]['kernel']
    out[name] = {'kernel': k.reshape(1, 1, *k.shape), 'bias': params[name]['bias']}
  return out


def window_positions(size, window, stride):
  """Number of window positions along a side, checking the stride tiles it exactly."""
  if window > size or (size - window) % stride:
    raise ValueError(
        f'(size - window) = {size - window} must be a non-negative multiple of stride = {stride}'
    )
  return (size - window) // stride + 1


def crop_every_window(images, window, stride):
  """All window crops of a batch of images.

  Args:
    images: [B, H, W, C].
    window: side of the square window, pixels.
    stride: step between windows, pixels.

  Returns:
    [B, n_rows, n_cols, window, window, C] crops.
  """
  _, h, w, c = images.shape
  rows = jnp.arange(window_positions(h, window, stride)) * stride
  cols = jnp.arange(window_positions(w, window, stride)) * stride

  def crop(image, r, col):
    return jax.lax.dynamic_slice(image, (r, col, 0), (window, window, c))

  per_col = jax.vmap(crop, in_axes=(None, None, 0))
  per_row = jax.vmap(per_col, in_axes=(None, 0, None))
  return jax.vmap(per_row, in_axes=(0, None, None))(images, rows, cols)


def sliding_window_logits(classifier_apply, images, window, stride):
  """Runs a window classifier on every crop: [B, H, W, C] -> [B, n_rows, n_cols, classes].

  Args:
    classifier_apply: function [N, window, window, C] -> [N, classes].
    images: [B, H, W, C].
    window, stride: window side and step, pixels.
  """
  crops = crop_every_window(images, window, stride)
  b, nr, nc = crops.shape[:3]
  logits = classifier_apply(crops.reshape(b * nr * nc, *crops.shape[3:]))
  return logits.reshape(b, nr, nc, -1)


# --- several window sizes (notes 4.11.2) --------------------------------------


def resize_image(image, side):
  """[H, W, C] -> [side, side, C], bilinear with antialiasing (host numpy out)."""
  image = jnp.asarray(image, jnp.float32)
  return np.asarray(
      jax.image.resize(image, (side, side, image.shape[-1]), 'linear', antialias=True)
  )


def scale_geometry(scene_size, window_px, window=14, pool=2):
  """How a window of `window_px` scene pixels is slid over a square scene.

  The scene is resized to `side` so that the classifier's `window` covers
  about `window_px` scene pixels; `side` is rounded so that the windows tile
  the resized scene at the pool stride (`window_positions`).

  Returns:
    dict side (resized scene), scale (= side / scene_size), window_px and
    stride_px (window and stride in scene pixels, after the rounding).
  """
  side = window + pool * int(round((scene_size * window / window_px - window) / pool))
  if side < window:
    raise ValueError(f'window {window_px} px is larger than the scene ({scene_size} px)')
  scale = side / scene_size
  return {'side': side, 'scale': scale, 'window_px': window / scale, 'stride_px': pool / scale}


def _scores(logits):
  """logits [..., 1 + classes] (0 = background) -> (object score 1 - p(bg), object class)."""
  probs = jax.nn.softmax(logits, axis=-1)
  return 1.0 - probs[..., 0], jnp.argmax(probs[..., 1:], axis=-1)


def multiscale_detect(
    params,
    scene,
    window_sizes,
    *,
    window=14,
    kernel=5,
    pool=2,
    features=16,
    hidden=400,
    num_classes=4,
    score_threshold=0.5,
    iou_threshold=0.5,
    max_outputs=100,
):
  """Sliding windows of several sizes over one scene, naive and convolutional, merged by NMS.

  Args:
    params: WindowClassifier params (class 0 = background).
    scene: [H, H, C] float image.
    window_sizes: window sides in scene pixels, one scale each.
    window, kernel, pool, features, hidden, num_classes: the classifier's sizes.
    score_threshold: least object score 1 - p(background) of a detection.
    iou_threshold: NMS overlap threshold, within and across scales (class-agnostic:
      a window either holds an object or not).
    max_outputs: most detections kept, per scale and after merging.

  Returns:
    dict 'scales': per scale {window_px, stride_px, side, positions, naive_scores,
    conv_scores [n, n], boxes [n*n, 4] scene-pixel corners, kept (NMS of that
    scale alone: boxes, scores, classes)}; 'merged': NMS over all scales
    (boxes, scores, classes, scale index).
  """
  dense = WindowClassifier(features, kernel, pool, hidden, num_classes)
  conv = ConvWindowClassifier(window, features, kernel, pool, hidden, num_classes)
  conv_params = dense_to_conv_params(params, window, kernel, pool)
  naive_fn = jax.jit(
      lambda p, x: sliding_window_logits(lambda c: dense.apply({'params': p}, c), x, window, pool)
  )
  conv_fn = jax.jit(conv.apply)
  scales, all_boxes, all_scores, all_classes, all_scale = [], [], [], [], []
  for k, window_px in enumerate(window_sizes):
    geo = scale_geometry(scene.shape[0], window_px, window, pool)
    resized = resize_image(scene, geo['side'])[None]
    naive_scores, naive_classes = _scores(naive_fn(params, resized)[0])
    conv_scores, _ = _scores(conv_fn({'params': conv_params}, resized)[0])
    n = naive_scores.shape[0]
    starts = np.arange(n) * pool / geo['scale']
    y0, x0 = np.meshgrid(starts, starts, indexing='ij')
    boxes = np.stack([x0, y0, x0 + geo['window_px'], y0 + geo['window_px']], -1).reshape(-1, 4)
    scores = np.asarray(naive_scores).reshape(-1)
    classes = np.asarray(naive_classes).reshape(-1)
    kept = nms_lib.nms(
        boxes,
        scores,
        None,
        max_outputs=max_outputs,
        iou_threshold=iou_threshold,
        score_threshold=score_threshold,
    )
    c = int(kept.count)
    idx = np.asarray(kept.indices[:c])
    scales.append(
        {
            **geo,
            'positions': n,
            'naive_scores': np.asarray(naive_scores),
            'conv_scores': np.asarray(conv_scores),
            'boxes': boxes,
            'kept': {'boxes': boxes[idx], 'scores': scores[idx], 'classes': classes[idx]},
        }
    )
    all_boxes.append(boxes[idx])
    all_scores.append(scores[idx])
    all_classes.append(classes[idx])
    all_scale.append(np.full(c, k))
  boxes, scores = np.concatenate(all_boxes), np.concatenate(all_scores)
  merged = nms_lib.nms(
      boxes,
      scores,
      None,
      max_outputs=max_outputs,
      iou_threshold=iou_threshold,
      score_threshold=score_threshold,
  )
  idx = np.asarray(merged.indices[: int(merged.count)])
  return {
      'scales': scales,
      'merged': {
          'boxes': boxes[idx],
          'scores': scores[idx],
          'classes': np.concatenate(all_classes)[idx],
          'scale': np.concatenate(all_scale)[idx],
      },
  }


def two_size_scene(seed, *, size=128, sizes=((11, 13), (22, 26)), per_size=4):
  """A scene of the generated shapes (jaxdl.detection.data) at two object sizes, no overlaps.

  Returns:
    image [size, size, 3] float32 in [0, 1]; boxes [K, 4] pixel corners
    (x0, y0, x1, y1); labels [K] class; group [K] index into `sizes`.
  """
  rng = np.random.default_rng(seed)
  img = data_lib._background(rng, size)  # pylint: disable=protected-access
  placed = []
  for group, (lo, hi) in enumerate(sizes):
    for _ in range(per_size):
      for _ in range(200):
        w, h = rng.integers(lo, hi + 1, size=2)
        x0, y0 = rng.integers(0, size - w + 1), rng.integers(0, size - h + 1)
        box = (x0, y0, x0 + w, y0 + h)
        # 2 px apart, so that no window of one object holds part of another
        if all(
            box[0] >= b[2] + 2 or b[0] >= box[2] + 2 or box[1] >= b[3] + 2 or b[1] >= box[3] + 2
            for _, b, _ in placed
        ):
          break
      else:
        raise ValueError(f'could not place {per_size} objects of each size in a {size} px scene')
      label = int(rng.integers(len(data_lib.CLASS_NAMES)))
      img[data_lib._shape_mask(label, x0, y0, w, h, size)] = data_lib._colour(rng)  # pylint: disable=protected-access
      placed.append((label, box, group))
  return (
      np.clip(img, 0, 1).astype(np.float32),
      np.array([p[1] for p in placed], np.float32),
      np.array([p[0] for p in placed], np.int32),
      np.array([p[2] for p in placed], np.int32),
  )


def _box_iou(a, b):
  """[N, 4] x [M, 4] pixel corners -> [N, M] IoU, host numpy."""
  ix = np.clip(
      np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None
  )
  iy = np.clip(
      np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None
  )
  area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])
  inter = ix * iy
  return inter / (area(a)[:, None] + area(b)[None] - inter)


def window_training_crops(seed, num_positive, num_negative, *, window=14, object_sizes=(10, 13)):
  """Window-sized crops: an object inside the window (class 1 + shape) or background (0).

  Half the positives are drawn at the window's resolution, half at twice the
  size and halved with `resize_image`, as the larger windows see them.
  Negatives are windows of two-size scenes (also at both resolutions)
  overlapping every object with IoU < 0.3: plain background, parts of
  objects, and the inside of an object larger than the window.

  Returns:
    crops [N, window, window, 3] float32, labels [N] int32.
  """
  rng = np.random.default_rng(seed)
  lo, hi = object_sizes
  half = num_positive // 2
  native = data_lib.generate(
      half, [seed, 0], image_size=window, max_objects=1, min_size=lo, max_size=hi
  )
  big = data_lib.generate(
      num_positive - half,
      [seed, 1],
      image_size=2 * window,
      max_objects=1,
      min_size=2 * lo,
      max_size=2 * hi,
  )
  pos = np.concatenate(
      [native['image'], np.stack([resize_image(im, window) for im in big['image']])]
  )
  pos_labels = 1 + np.concatenate([native['labels'][:, 0], big['labels'][:, 0]])
  neg = []
  scene_seed = 0
  while len(neg) < num_negative:
    for factor in (1, 2):
      size = 56 * factor
      img, boxes, _, _ = two_size_scene(
          [seed, 2, scene_seed],
          size=size,
          per_size=1,
          sizes=((lo * factor, hi * factor), (2 * lo * factor, 2 * hi * factor)),
      )
      img = img if factor == 1 else resize_image(img, size // 2)
      boxes = boxes / factor
      for j in range(12):
        if j % 2:  # half the windows near an object: its parts are the hard negatives
          b = boxes[rng.integers(len(boxes))]
          x0, y0 = np.clip(
              rng.integers(b[:2] - window // 2, b[2:] - window // 2 + 1), 0, img.shape[0] - window
          )
        else:
          x0, y0 = rng.integers(0, img.shape[0] - window + 1, size=2)
        win = np.array([[x0, y0, x0 + window, y0 + window]], np.float32)
        if _box_iou(win, boxes).max() < 0.3:
          neg.append(img[y0 : y0 + window, x0 : x0 + window])
      scene_seed += 1
  neg = np.stack(neg[:num_negative])
  crops = np.concatenate([pos, neg]).astype(np.float32)
  labels = np.concatenate([pos_labels, np.zeros(len(neg), np.int32)]).astype(np.int32)
  return crops, labels


def train_window_classifier(
    crops,
    labels,
    *,
    seed=0,
    steps=600,
    batch_size=128,
    learning_rate=2e-3,
    features=16,
    kernel=5,
    pool=2,
    hidden=64,
    num_classes=4,
):
  """Adam on softmax cross-entropy over window crops.

  Returns:
    (params, train accuracy over all crops).
  """
  model = WindowClassifier(features, kernel, pool, hidden, num_classes)
  params = jax.jit(model.init)(jax.random.key(seed), crops[:1])['params']
  tx = optax.adam(learning_rate)
  opt_state = tx.init(params)

  def train_step(params, opt_state, x, y):
    def loss_fn(p):
      return optax.softmax_cross_entropy_with_integer_labels(
          model.apply({'params': p}, x), y
      ).mean()

    loss, grads = jax.value_and_grad(loss_fn)(params)
    updates, opt_state = tx.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, loss

  step_fn = jax.jit(train_step)
  rng = np.random.default_rng(seed)
  for _ in range(steps):
    idx = rng.integers(0, len(crops), batch_size)
    params, opt_state, _ = step_fn(params, opt_state, crops[idx], labels[idx])
  predict = jax.jit(lambda p, x: jnp.argmax(model.apply({'params': p}, x), -1))
  accuracy = float(np.mean(np.asarray(predict(params, crops)) == labels))
  return params, accuracy


_SCALE_COLOURS = ((230, 60, 60), (60, 120, 255), (40, 200, 80), (255, 170, 0), (200, 80, 220))


def draw_multiscale_detections(path, scene, detections, window_sizes, true_boxes=None, zoom=4):
  """PNG of the scene with the merged detections, one colour per window size.

  Args:
    path: output PNG.
    scene: [H, W, 3] float in [0, 1].
    detections: `multiscale_detect(...)['merged']` (boxes in scene pixels, scale index).
    window_sizes: the window sides, for the legend.
    true_boxes: optional [K, 4] pixel corners, drawn in white.
    zoom: pixels per scene pixel (nearest-neighbour upscaling).
  """
  from PIL import Image, ImageDraw  # deferred: only the PNG needs it

  img = Image.fromarray((np.clip(scene, 0, 1) * 255).astype(np.uint8)).resize(
      (scene.shape[1] * zoom, scene.shape[0] * zoom), Image.NEAREST
  )
  legend = 14 * (len(window_sizes) + 1)
  canvas = Image.new('RGB', (img.width, img.height + legend), (255, 255, 255))
  canvas.paste(img, (0, 0))
  draw = ImageDraw.Draw(canvas)
  for box in ([] if true_boxes is None else true_boxes):
    draw.rectangle([float(v) * zoom for v in box], outline=(255, 255, 255), width=1)
  for box, score, k in zip(detections['boxes'], detections['scores'], detections['scale']):
    colour = _SCALE_COLOURS[int(k) % len(_SCALE_COLOURS)]
    draw.rectangle([float(v) * zoom for v in box], outline=colour, width=2)
    draw.text((float(box[0]) * zoom + 2, float(box[1]) * zoom + 1), f'{score:.2f}', fill=colour)
  y = img.height + 2
  for k, w in enumerate(window_sizes):
    draw.text((4, y), f'window {w:g} px', fill=_SCALE_COLOURS[k % len(_SCALE_COLOURS)])
    y += 14
  draw.text((4, y), 'true boxes (white)', fill=(0, 0, 0))
  canvas.save(path)


def _recall(true_boxes, found_boxes, iou=0.5):
  """[K] bool: each true box matched by some found box with IoU >= iou."""
  if len(found_boxes) == 0:
    return np.zeros(len(true_boxes), bool)
  return _box_iou(true_boxes, np.asarray(found_boxes, np.float32)).max(axis=1) >= iou


def multiscale_experiment(
    workdir,
    seed=0,
    *,
    window_sizes=(14, 21, 28),
    scene_size=128,
    object_sizes=((11, 13), (22, 26)),
    per_size=4,
    num_positive=1500,
    num_negative=3000,
    steps=600,
    hidden=64,
    score_threshold=0.5,
    iou_threshold=0.5,
):
  """Trains the window classifier on crops, then detects at several window sizes (notes 4.11.2).

  Args:
    workdir: where `multiscale_detections.png` is written.
    seed: seed of the crops, the initialisation and the scene.
    window_sizes: window sides in scene pixels (the classifier's own is 14).
    scene_size: side of the generated scene.
    object_sizes: (lo, hi) object side ranges, one group each (small, large).
    per_size: objects of each size group in the scene.
    num_positive, num_negative: training crops.
    steps: Adam steps (batch 128).
    hidden: width of the classifier's dense layers.
    score_threshold, iou_threshold: detection score and NMS overlap thresholds.

  Returns:
    dict: train_accuracy; scales (per window size: window_px, stride_px,
    positions, detections, recall per size group, max |naive - conv| score);
    merged detections, recall (all objects, IoU >= 0.5) and recall per size
    group; precision of the merged detections; png path.
  """
  crops, labels = window_training_crops(
      seed, num_positive, num_negative, object_sizes=(object_sizes[0][0] - 1, object_sizes[0][1])
  )
  params, train_accuracy = train_window_classifier(
      crops, labels, seed=seed, steps=steps, hidden=hidden
  )
  scene, true_boxes, _, group = two_size_scene(
      [seed, 100], size=scene_size, sizes=object_sizes, per_size=per_size
  )
  out = multiscale_detect(
      params,
      scene,
      window_sizes,
      hidden=hidden,
      score_threshold=score_threshold,
      iou_threshold=iou_threshold,
  )
  groups = range(len(object_sizes))
  per_scale = []
  for w, sc in zip(window_sizes, out['scales']):
    hit = _recall(true_boxes, sc['kept']['boxes'])
    per_scale.append(
        {
            'window_px': sc['window_px'],
            'stride_px': sc['stride_px'],
            'positions': sc['positions'],
            'detections': len(sc['kept']['boxes']),
            'recall_by_size': [float(hit[group == g].mean()) for g in groups],
            'max_naive_conv_diff': float(np.abs(sc['naive_scores'] - sc['conv_scores']).max()),
        }
    )
  merged = out['merged']
  hit = _recall(true_boxes, merged['boxes'])
  matched = (
      _box_iou(np.asarray(merged['boxes'], np.float32), true_boxes).max(axis=1) >= 0.5
      if len(merged['boxes'])
      else np.zeros(0, bool)
  )
  os.makedirs(workdir, exist_ok=True)
  png = os.path.join(workdir, 'multiscale_detections.png')
  draw_multiscale_detections(png, scene, merged, window_sizes, true_boxes)
  return {
      'train_accuracy': train_accuracy,
      'scales': per_scale,
      'detections': len(merged['boxes']),
      'recall': float(hit.mean()),
      'recall_by_size': [float(hit[group == g].mean()) for g in groups],
      'precision': float(matched.mean()) if len(matched) else 0.0,
      'png': png,
  }
