"""Anchor shapes by k-means on training boxes with 1 - IoU distance (notes 4.11.6).

Euclidean k-means on (width, height) lets large boxes dominate the error;
YOLOv2 (Redmon & Farhadi 2017, section "Dimension Clusters") clusters with
d(box, centre) = 1 - IoU(box, centre), both shapes placed on a common centre,
so that the anchors maximise the overlap they give every box. Seeding is
k-means++ in that distance and the best of several initialisations is kept,
since a single Lloyd run can stall with two seeds in one cluster. Runs once on
the host before training.
"""

import numpy as np


def _iou(sizes, centres):
  """[N, 2] x [M, 2] (width, height) -> [N, M] IoU of centred boxes, host numpy.

  The numpy twin of `boxes.shape_iou` (the tests check they agree): k-means
  runs on the host, where eager jnp would compile every op for every shape.
  """
  sizes, centres = np.asarray(sizes, np.float64), np.asarray(centres, np.float64)
  inter = np.minimum(sizes[:, None, 0], centres[None, :, 0]) * np.minimum(
      sizes[:, None, 1], centres[None, :, 1]
  )
  union = sizes[:, None].prod(-1) + centres[None].prod(-1) - inter
  return inter / union


def _check_sizes(name, sizes, positive):
  sizes = np.asarray(sizes, np.float64)
  if sizes.ndim != 2 or sizes.shape[1] != 2 or sizes.shape[0] == 0:
    raise ValueError(f'{name} must be [N, 2] (width, height) with N >= 1, got shape {sizes.shape}')
  ok = np.isfinite(sizes) & ((sizes > 0) if positive else (sizes >= 0))
  if not ok.all():
    raise ValueError(
        f'{name} must all be finite and {"> 0" if positive else ">= 0"} '
        f'(drop padded or empty boxes first), got {int((~ok).sum())} bad value(s), '
        f'e.g. {sizes[~ok][0]}'
    )
  return sizes


def _seed_centres(sizes, k, rng, init):
  """k initial centres: k-means++ under d = 1 - IoU, or k distinct random boxes."""
  if init == 'random':
    return sizes[rng.choice(len(sizes), k, replace=False)].copy()
  # k-means++ (Arthur & Vassilvitskii 2007): each next centre is a box drawn with
  # probability proportional to d^2 to its nearest chosen centre, d = 1 - IoU.
  # Weighting by d instead (as this function did) spreads too little: on three
  # clean clusters it put two seeds in one cluster for some seeds and Lloyd
  # stalled at mean IoU ~0.65.
  centres = [sizes[rng.integers(len(sizes))]]
  for _ in range(1, k):
    dist2 = (1.0 - _iou(sizes, np.stack(centres)).max(axis=1)) ** 2
    centres.append(
        sizes[rng.choice(len(sizes), p=dist2 / dist2.sum())]
        if dist2.sum() > 0
        else sizes[rng.integers(len(sizes))]
    )
  return np.stack(centres)


def _lloyd(sizes, centres, max_iters):
  """Lloyd iterations under 1 - IoU from the given centres -> (centres, mean IoU)."""
  k = len(centres)
  assign = None
  for _ in range(max_iters):
    iou = _iou(sizes, centres)
    new_assign = iou.argmax(axis=1)
    if assign is not None and np.array_equal(new_assign, assign):
      break
    assign = new_assign
    for j in range(k):
      members = sizes[assign == j]
      if len(members):
        centres[j] = members.mean(axis=0)
      else:
        centres[j] = sizes[iou.max(axis=1).argmin()]
  return centres, float(_iou(sizes, centres).max(axis=1).mean())


def kmeans_anchors(sizes, k, *, seed=0, max_iters=100, init='kmeans++', num_inits=5):
  """Clusters box shapes into k anchors.

  Each of `num_inits` runs seeds k centres (k-means++ under the 1 - IoU
  distance, or k random boxes), then repeats: assign every box to the centre
  with the highest IoU, move each centre to the mean width and height of its
  boxes (an emptied cluster restarts at the box worst served), until the
  assignments no longer change. The run with the highest mean IoU is kept:
  Lloyd's algorithm only finds a local optimum, and restarts are the usual
  cure (scikit-learn's KMeans n_init).

  Args:
    sizes: [N, 2] (width, height) of the training boxes, > 0.
    k: number of anchors, 1 <= k <= N.
    seed: seed of the first initialisation; run i uses seed + i, so a single
      run (num_inits=1) with seed s + i reproduces run i.
    max_iters: most assignment/update rounds per run.
    init: 'kmeans++' or 'random'.
    num_inits: number of initialisations, >= 1; the best is returned.

  Returns:
    anchors: [k, 2] float32 (width, height), sorted by area.
    mean_iou: average over boxes of the IoU with their best anchor.
  """
  sizes = _check_sizes('sizes', sizes, positive=True)
  if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= len(sizes):
    raise ValueError(f'k must be an int in [1, N={len(sizes)}], got {k!r}')
  if not isinstance(max_iters, (int, np.integer)) or max_iters < 1:
    raise ValueError(f'max_iters must be a positive int, got {max_iters!r}')
  if init not in ('kmeans++', 'random'):
    raise ValueError(f"init must be 'kmeans++' or 'random', got {init!r}")
  if not isinstance(num_inits, (int, np.integer)) or isinstance(num_inits, bool) or num_inits < 1:
    raise ValueError(f'num_inits must be a positive int, got {num_inits!r}')
  best_centres, best_iou = None, -1.0
  for i in range(num_inits):
    rng = np.random.default_rng(seed + i)
    centres, mean_iou = _lloyd(sizes, _seed_centres(sizes, k, rng, init), max_iters)
    if mean_iou > best_iou:
      best_centres, best_iou = centres, mean_iou
  best_centres = best_centres[np.argsort(best_centres.prod(axis=1))]
  return best_centres.astype(np.float32), float(_iou(sizes, best_centres).max(axis=1).mean())


def mean_best_iou(sizes, anchors):
  """Average over boxes of the IoU with their best-fitting anchor (the k-means objective).

  Args:
    sizes: [N, 2] finite (width, height) of the boxes, >= 0 (a degenerate box
      has IoU 0 with every anchor).
    anchors: [K, 2] finite anchor (width, height), > 0.

  Returns:
    mean IoU in [0, 1].
  """
  sizes = _check_sizes('sizes', sizes, positive=False)
  anchors = _check_sizes('anchors', anchors, positive=True)
  return float(_iou(sizes, anchors).max(axis=1).mean())
