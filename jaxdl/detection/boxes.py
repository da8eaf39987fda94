"""Box formats, conversions and IoU (notes 4.11.4, 4.11.5).

Coordinates are floats in image units where x runs along columns (width) and
y along rows (height); they are usually normalised to [0, 1] of the image.

Formats (last axis has 4 entries):
  * corners: (x_min, y_min, x_max, y_max).
  * centers: (x_center, y_center, width, height).
  * cell (YOLO, notes 4.11.4): the grid cell (row, col) holding the centre,
    plus (b_x, b_y, b_w, b_h) where b_x, b_y in [0, 1) are the centre's offset
    inside that cell in cell units, and b_w, b_h are the size either in cell
    units (may exceed 1, as in the notes) or relative to the whole image.

Every function is jnp-only, so it is jittable and works under vmap; leading
axes are broadcast.
"""

import jax.numpy as jnp
import numpy as np

WH_RELATIVE_TO = ('cell', 'image')


def _check_last_axis(boxes, name, min_ndim=1):
  # Shapes are static, so these checks cost nothing under jit.
  if boxes.ndim < min_ndim or boxes.shape[-1] != 4:
    lead = '..., N, ' if min_ndim == 2 else '..., '
    raise ValueError(
        f'{name} must be [{lead}4] boxes (4 entries on the last axis), got shape {boxes.shape}'
    )


def _check_grid_size(grid_size):
  if not isinstance(grid_size, (int, np.integer)) or isinstance(grid_size, bool) or grid_size < 1:
    raise ValueError(f'grid_size must be a positive int (S cells per side), got {grid_size!r}')


def corners_to_centers(boxes):
  """(x_min, y_min, x_max, y_max) -> (x_center, y_center, width, height).

  Args:
    boxes: [..., 4] corner boxes.

  Returns:
    [..., 4] centre boxes.
  """
  boxes = jnp.asarray(boxes)
  _check_last_axis(boxes, 'boxes')
  lo, hi = boxes[..., :2], boxes[..., 2:]
  return jnp.concatenate([(lo + hi) / 2, hi - lo], axis=-1)


def centers_to_corners(boxes):
  """(x_center, y_center, width, height) -> (x_min, y_min, x_max, y_max).

  Args:
    boxes: [..., 4] centre boxes.

  Returns:
    [..., 4] corner boxes.
  """
  boxes = jnp.asarray(boxes)
  _check_last_axis(boxes, 'boxes')
  center, size = boxes[..., :2], boxes[..., 2:]
  return jnp.concatenate([center - size / 2, center + size / 2], axis=-1)


def _check_wh(wh_relative_to):
  if wh_relative_to not in WH_RELATIVE_TO:
    raise ValueError(f'wh_relative_to must be one of {WH_RELATIVE_TO}, got {wh_relative_to!r}')


def centers_to_cell(boxes, grid_size, wh_relative_to='cell'):
  """Image-normalised centre boxes -> YOLO grid-cell encoding (notes 4.11.4).

  Args:
    boxes: [..., 4] centre boxes normalised to the image, centres in [0, 1].
    grid_size: S, the image is cut into S x S cells.
    wh_relative_to: 'cell' (b_w, b_h in cell units, may be > 1) or 'image'.

  Returns:
    cells: [..., 2] int32 (row, col) of the cell holding the centre; a centre
      exactly on the far border (1.0) belongs to the last cell.
    cell_boxes: [..., 4] (b_x, b_y, b_w, b_h), b_x and b_y in [0, 1).
  """
  _check_wh(wh_relative_to)
  _check_grid_size(grid_size)
  boxes = jnp.asarray(boxes)
  _check_last_axis(boxes, 'boxes')
  scaled = boxes[..., :2] * grid_size
  col_row = jnp.clip(jnp.floor(scaled), 0, grid_size - 1)
  offset = scaled - col_row
  size = boxes[..., 2:] * (grid_size if wh_relative_to == 'cell' else 1)
  cells = col_row[..., ::-1].astype(jnp.int32)
  return cells, jnp.concatenate([offset, size], axis=-1)


def cell_to_centers(cells, cell_boxes, grid_size, wh_relative_to='cell'):
  """Inverse of `centers_to_cell`.

  Args:
    cells: [..., 2] int (row, col).
    cell_boxes: [..., 4] (b_x, b_y, b_w, b_h).
    grid_size: S.
    wh_relative_to: 'cell' or 'image', as in `centers_to_cell`.

  Returns:
    [..., 4] centre boxes normalised to the image.
  """
  _check_wh(wh_relative_to)
  _check_grid_size(grid_size)
  cell_boxes = jnp.asarray(cell_boxes)
  _check_last_axis(cell_boxes, 'cell_boxes')
  cells = jnp.asarray(cells)
  if cells.shape != cell_boxes.shape[:-1] + (2,):
    raise ValueError(
        f'cells must be [..., 2] (row, col) matching cell_boxes {cell_boxes.shape} '
        f'= {cell_boxes.shape[:-1] + (2,)}, got shape {cells.shape}'
    )
  col_row = cells[..., ::-1].astype(cell_boxes.dtype)
  center = (col_row + cell_boxes[..., :2]) / grid_size
  size = cell_boxes[..., 2:] / (grid_size if wh_relative_to == 'cell' else 1)
  return jnp.concatenate([center, size], axis=-1)


def box_area(boxes):
  """Area of corner boxes; inverted boxes count as 0.

  Args:
    boxes: [..., 4] corner boxes.

  Returns:
    [...] areas in squared coordinate units.
  """
  boxes = jnp.asarray(boxes)
  _check_last_axis(boxes, 'boxes')
  size = jnp.maximum(boxes[..., 2:] - boxes[..., :2], 0.0)
  return size[..., 0] * size[..., 1]


def pairwise_iou(boxes_a, boxes_b):
  """Intersection over union of every pair (notes 4.11.5).

  IoU = area(A ∩ B) / area(A ∪ B); a pair whose union is empty (both boxes
  degenerate) has IoU 0 rather than NaN, so that NMS and matching never see NaN.

  Args:
    boxes_a: [..., N, 4] corner boxes.
    boxes_b: [..., M, 4] corner boxes (leading axes broadcast with boxes_a).

  Returns:
    [..., N, M] IoU in [0, 1].
  """
  boxes_a, boxes_b = jnp.asarray(boxes_a), jnp.asarray(boxes_b)
  # A single [4] box would be read as 4 boxes of one coordinate.
  _check_last_axis(boxes_a, 'boxes_a', min_ndim=2)
  _check_last_axis(boxes_b, 'boxes_b', min_ndim=2)
  return _iou(boxes_a[..., :, None, :], boxes_b[..., None, :, :])


def elementwise_iou(boxes_a, boxes_b):
  """IoU of matching pairs: [..., 4] x [..., 4] -> [...] (broadcasting)."""
  a, b = jnp.asarray(boxes_a), jnp.asarray(boxes_b)
  _check_last_axis(a, 'boxes_a')
  _check_last_axis(b, 'boxes_b')
  return _iou(a, b)


def _iou(a, b):
  lo = jnp.maximum(a[..., :2], b[..., :2])
  hi = jnp.minimum(a[..., 2:], b[..., 2:])
  inter_wh = jnp.maximum(hi - lo, 0.0)
  inter = inter_wh[..., 0] * inter_wh[..., 1]
  union = box_area(a) + box_area(b) - inter
  return jnp.where(union > 0, inter / jnp.where(union > 0, union, 1.0), 0.0)


def shape_iou(sizes_a, sizes_b):
  """IoU of box shapes aligned on a common centre, pairwise.

  This is the similarity used to give an object to the anchor whose shape fits
  it best (notes 4.11.6) and the 1 - IoU distance of anchor k-means.

  Args:
    sizes_a: [..., N, 2] (width, height).
    sizes_b: [..., M, 2] (width, height).

  Returns:
    [..., N, M] IoU in [0, 1].
  """
  sizes_a, sizes_b = jnp.asarray(sizes_a), jnp.asarray(sizes_b)
  for name, sizes in (('sizes_a', sizes_a), ('sizes_b', sizes_b)):
    if sizes.ndim < 2 or sizes.shape[-1] != 2:
      raise ValueError(f'{name} must be [..., N, 2] (width, height), got shape {sizes.shape}')
  a = sizes_a[..., :, None, :]
  b = sizes_b[..., None, :, :]
  inter = jnp.minimum(a[..., 0], b[..., 0]) * jnp.minimum(a[..., 1], b[..., 1])
  union = a[..., 0] * a[..., 1] + b[..., 0] * b[..., 1] - inter
  return jnp.where(union > 0, inter / jnp.where(union > 0, union, 1.0), 0.0)
