"""Tests for jaxdl.augment (notes 2.3.3.1).

Geometric ops are checked against an independent reference: a box is drawn
as a filled rectangle, the image is transformed, and the bounding box of the
transformed pixels must match the transformed box to within a pixel.
"""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl import augment

H = W = 32


def _render(boxes, h=H, w=W):
  """[B, 4] normalised boxes -> [B, h, w, 1] images with filled rectangles."""
  img = np.zeros((len(boxes), h, w, 1), np.float32)
  for i, (x0, y0, x1, y1) in enumerate(boxes):
    img[i, round(y0 * h) : round(y1 * h), round(x0 * w) : round(x1 * w)] = 1.0
  return img


def _pixel_hull(images):
  """Bounding box (normalised) of pixels > 0.5 in each [h, w, 1] image."""
  out = []
  for im in np.asarray(images)[..., 0]:
    ys, xs = np.nonzero(im > 0.5)
    h, w = im.shape
    out.append([xs.min() / w, ys.min() / h, (xs.max() + 1) / w, (ys.max() + 1) / h])
  return np.array(out)


BOXES = np.array(
    [
        [0.25, 0.25, 0.5, 0.75],
        [0.5, 0.125, 0.875, 0.375],
        [0.375, 0.5, 0.625, 0.625],
        [0.125, 0.625, 0.375, 0.875],
    ],
    np.float32,
)


def _inputs():
  return (
      jnp.asarray(_render(BOXES)),
      jnp.asarray(BOXES[:, None, :]),
      jnp.ones((len(BOXES), 1), bool),
  )


@pytest.mark.parametrize(
    "name,fn,kwargs,tol",
    [
        ("zoom", augment.random_zoom, dict(scale_range=(0.7, 1.4)), 1.5 / W),
        ("shift", augment.random_shift, dict(max_shift=0.15), 1.5 / W),
        ("crop", augment.random_crop, dict(padding=4), 0.5 / W),
        ("small_crop", augment.random_crop, dict(crop_height=24, crop_width=20), 0.5 / 20),
        ("flip_lr", augment.random_flip_left_right, dict(probability=1.0), 1e-6),
        ("flip_ud", augment.random_flip_up_down, dict(probability=1.0), 1e-6),
        (
            "shear_only",
            augment.random_affine,
            dict(max_rotation_deg=0.0, max_shear=0.0, scale_range=(0.8, 1.2)),
            1.5 / W,
        ),
    ],
)
def test_boxes_follow_pixels(name, fn, kwargs, tol):
  images, boxes, mask = _inputs()
  out, new_boxes, new_mask = jax.jit(lambda k, i, b, m: fn(k, i, b, m, **kwargs))(
      jax.random.key(3), images, boxes, mask
  )
  keep = np.asarray(new_mask[:, 0])
  assert keep.any(), name
  np.testing.assert_allclose(_pixel_hull(out[keep]), np.asarray(new_boxes[keep, 0]), atol=tol)


def test_rotated_box_is_hull_of_rotated_rectangle():
  images, boxes, mask = _inputs()
  out, new_boxes, _ = jax.jit(
      lambda k, i, b, m: augment.random_affine(
          k, i, b, m, max_rotation_deg=30.0, scale_range=(1.0, 1.0), max_shear=0.0, max_shift=0.0
      )
  )(jax.random.key(0), images, boxes, mask)
  hull = _pixel_hull(out)
  # The hull of a rotated rectangle is exactly the rotated corners' hull.
  np.testing.assert_allclose(hull, np.asarray(new_boxes[:, 0]), atol=2 / W)


def test_flips_match_numpy_and_probability_zero_is_identity():
  x = jax.random.uniform(jax.random.key(1), (3, 5, 7, 2))
  np.testing.assert_array_equal(
      augment.random_flip_left_right(jax.random.key(0), x, probability=1.0),
      np.asarray(x)[:, :, ::-1],
  )
  np.testing.assert_array_equal(
      augment.random_flip_up_down(jax.random.key(0), x, probability=1.0), np.asarray(x)[:, ::-1]
  )
  np.testing.assert_array_equal(
      augment.random_flip_left_right(jax.random.key(0), x, probability=0.0), x
  )


def test_flip_rate_and_per_example_independence():
  x = jnp.broadcast_to(jnp.arange(4.0)[None, None, :, None], (2000, 1, 4, 1))
  out = augment.random_flip_left_right(jax.random.key(7), x)
  flipped = np.asarray(out[:, 0, 0, 0] == 3.0)
  # Binomial(2000, 0.5): 5 sigma is about 0.056.
  assert abs(flipped.mean() - 0.5) < 0.056


def test_crop_is_a_window_of_the_padded_image():
  x = jnp.arange(2 * 6 * 6, dtype=jnp.float32).reshape(2, 6, 6, 1) + 1.0
  out = augment.random_crop(jax.random.key(5), x, padding=2)
  padded = np.pad(np.asarray(x), ((0, 0), (2, 2), (2, 2), (0, 0)))
  for i in range(2):
    hits = [
        (t, l)
        for t in range(5)
        for l in range(5)
        if np.array_equal(padded[i, t : t + 6, l : l + 6], out[i])
    ]
    assert hits, f"example {i} is not a window of its padded image"


def test_zoom_identity_and_shift_integer_pixels():
  x = jax.random.uniform(jax.random.key(2), (2, 8, 8, 3))
  from jaxdl.augment import affine

  @jax.jit
  def both(key, x):
    same = augment.random_zoom(key, x, scale_range=(1.0, 1.0))
    # Shift by exactly one pixel right: out[:, :, j] = x[:, :, j - 1].
    fwd = jnp.broadcast_to(jnp.eye(2), (2, 2, 2))
    return same, affine.apply_affine(x, fwd, jnp.array([[1 / 8, 0.0]] * 2))

  same, moved = both(jax.random.key(0), x)
  np.testing.assert_allclose(same, x, atol=1e-5)
  np.testing.assert_allclose(moved[:, :, 1:], x[:, :, :-1], atol=1e-5)
  np.testing.assert_allclose(moved[:, :, 0], 0.0)


def test_boxes_pushed_out_of_frame_are_masked():
  images, boxes, mask = _inputs()
  from jaxdl.augment import affine

  fwd = jnp.broadcast_to(jnp.eye(2), (4, 2, 2))
  _, _, new_mask = jax.jit(
      lambda i, b, m: affine.apply_affine(
          i, fwd, jnp.array([[0.9, 0.0]] * 4), b, m, min_box_size=0.01
      )
  )(images, boxes, mask)
  # Only boxes whose x_min < 0.1 keep a visible part after a 0.9 shift.
  np.testing.assert_array_equal(new_mask[:, 0], BOXES[:, 0] < 0.1)


def test_elastic_is_smooth_random_and_per_example():
  x = jnp.broadcast_to(jnp.asarray(_render(BOXES[:1], 16, 16)), (2, 16, 16, 1))
  out = jax.jit(lambda k, i: augment.random_elastic(k, i, alpha=10.0, sigma=2.0))(
      jax.random.key(0), x
  )
  assert out.shape == x.shape
  assert not np.allclose(out[0], x[0])
  assert not np.allclose(out[0], out[1])
  # Mass roughly preserved by a smooth deformation of a central rectangle.
  np.testing.assert_allclose(out.sum(), x.sum(), rtol=0.25)


def test_pipeline_jits_once_and_changes_batch():
  fn = augment.make_augment_fn(
      {
          "flip_left_right": {"probability": 0.5},
          "crop": {"padding": 2},
          "affine": {"max_rotation_deg": 10.0},
      }
  )

  @jax.jit
  @chex.assert_max_traces(n=1)
  def step(key, batch):
    return fn(batch, key)

  batch = {"image": jnp.asarray(_render(BOXES)), "label": jnp.arange(4)}
  a = step(jax.random.key(0), batch)
  b = step(jax.random.key(1), batch)
  assert a["image"].shape == batch["image"].shape
  np.testing.assert_array_equal(a["label"], batch["label"])
  assert not np.allclose(a["image"], b["image"])


def test_pipeline_with_boxes_matches_pixels():
  fn = augment.make_augment_fn(
      {"flip_left_right": {}, "zoom": {}}, boxes_key="boxes", box_mask_key="box_mask"
  )
  images, boxes, mask = _inputs()
  out = jax.jit(fn)({"image": images, "boxes": boxes, "box_mask": mask}, jax.random.key(4))
  np.testing.assert_allclose(_pixel_hull(out["image"]), out["boxes"][:, 0], atol=1.5 / W)


def test_bad_inputs_raise():
  x = jnp.zeros((2, 8, 8, 1))
  with pytest.raises(ValueError, match="unknown augmentation"):
    augment.make_augment_fn({"rotate90": {}})
  with pytest.raises(ValueError, match="elastic"):
    augment.make_augment_fn({"elastic": {}}, boxes_key="b", box_mask_key="m")
  with pytest.raises(ValueError, match="probability"):
    augment.random_flip_left_right(jax.random.key(0), x, probability=1.5)
  with pytest.raises(ValueError, match="crop_height"):
    augment.random_crop(jax.random.key(0), x, crop_height=20)
  with pytest.raises(ValueError, match="scale_range"):
    augment.random_zoom(jax.random.key(0), x, scale_range=(1.2, 0.8))
  with pytest.raises(ValueError, match="box_mask"):
    augment.random_zoom(jax.random.key(0), x, jnp.zeros((2, 1, 4)))
  with pytest.raises(ValueError, match="mode"):
    augment.random_shift(jax.random.key(0), x, mode="wrap")


UNBATCHED_OPS = [
    ("flip_lr", augment.random_flip_left_right, {}),
    ("flip_ud", augment.random_flip_up_down, {}),
    ("crop", augment.random_crop, dict(padding=1)),
    ("zoom", augment.random_zoom, {}),
    ("shift", augment.random_shift, {}),
    ("affine", augment.random_affine, {}),
    ("elastic", augment.random_elastic, {}),
]


@pytest.mark.parametrize("name,fn,kwargs", UNBATCHED_OPS)
def test_image_without_batch_axis_is_rejected(name, fn, kwargs):
  # Before: the flips returned a [H, H, W, C] array for one [H, W, C] image.
  image = jnp.zeros((8, 6, 3))
  with pytest.raises(
      ValueError,
      match=r"images must be a batch \[B, H, W, C\].*" r"images\[None\].*got shape \(8, 6, 3\)",
  ):
    fn(jax.random.key(0), image, **kwargs)
  # Also inside jit (the rank is static) and through the pipeline.
  with pytest.raises(ValueError, match=r"images must be a batch"):
    jax.jit(lambda k, x: fn(k, x, **kwargs))(jax.random.key(0), image)
  with pytest.raises(ValueError, match=r"images must be a batch"):
    fn(jax.random.key(0), jnp.zeros((2, 1, 8, 6, 3)), **kwargs)
  # The batched form of the same image works and keeps its shape for the
  # shape-preserving ops.
  out = fn(jax.random.key(0), image[None], **kwargs)
  assert out.shape == (1, 8, 6, 3)


def test_more_bad_parameters_raise():
  x = jnp.zeros((2, 8, 8, 1))
  key = jax.random.key(0)
  nan = float("nan")
  with pytest.raises(ValueError, match=r"scale_range must be \(min, max\)"):
    augment.random_zoom(key, x, scale_range=(nan, 1.0))
  with pytest.raises(ValueError, match=r"scale_range.*min > 0"):
    augment.random_affine(key, x, scale_range=(0.0, 1.0))
  with pytest.raises(ValueError, match="max_shear must be >= 0, got nan"):
    augment.random_affine(key, x, max_shear=nan)
  with pytest.raises(ValueError, match=r"max_shift must be in \[0, 1\), got nan"):
    augment.random_shift(key, x, max_shift=nan)
  with pytest.raises(ValueError, match="alpha and sigma must be > 0, got nan"):
    augment.random_elastic(key, x, alpha=nan)
  with pytest.raises(ValueError, match=r"probability must be in \[0, 1\], got nan"):
    augment.random_flip_up_down(key, x, probability=nan)
  with pytest.raises(ValueError, match=r"min_box_size must be in \[0, 1\).*got -0.1"):
    augment.random_shift(key, x, min_box_size=-0.1)
  with pytest.raises(ValueError, match=r"min_box_size must be in \[0, 1\).*got 1.0"):
    augment.random_crop(key, x, min_box_size=1.0)
  with pytest.raises(ValueError, match="padding must be a non-negative int, got 1.5"):
    augment.random_crop(key, x, padding=1.5)
  with pytest.raises(ValueError, match="crop_height/crop_width.*be ints, got 4.5"):
    augment.random_crop(key, x, crop_height=4.5)
  with pytest.raises(ValueError, match="crop_height/crop_width.*got 0, 8"):
    augment.random_crop(key, x, crop_height=0, crop_width=8)
  from jaxdl.augment import affine

  with pytest.raises(ValueError, match=r"forward must be \[B, 2, 2\] and offset \[B, 2\] with B=2"):
    affine.apply_affine(x, jnp.eye(2)[None], jnp.zeros((1, 2)))
