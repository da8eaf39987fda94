"""Tests of jaxdl.data.image_ops against hand-computed boxes and direct PIL calls."""

import math
import pickle

import numpy as np
import PIL.Image
import pytest

from jaxdl.data import image_ops


def coordinate_image(height, width):
  """uint8 [H, W, 3] whose pixel (y, x) holds (y % 256, x % 256, (y + x) % 256)."""
  y, x = np.mgrid[:height, :width]
  return np.stack([y % 256, x % 256, (y + x) % 256], -1).astype(np.uint8)


def pil_bilinear(image, size):
  """Reference resize: PIL bilinear on an RGB array, written out independently."""
  return np.asarray(PIL.Image.fromarray(image).resize((size, size), PIL.Image.BILINEAR))


# --- sample_crop_box -------------------------------------------------------


def test_crop_boxes_lie_inside_and_respect_scale_and_ratio():
  rng = np.random.default_rng(0)
  for height, width in [(37, 53), (300, 200), (224, 224), (20, 400)]:
    for _ in range(500):
      top, left, h, w = image_ops.sample_crop_box(height, width, rng)
      assert 0 <= top and top + h <= height and 0 <= left and left + w <= width
      assert h >= 1 and w >= 1
      fallback = image_ops.central_box(height, width)
      if (top, left, h, w) == fallback:
        continue
      # Rounding each side to whole pixels moves area and aspect by at most
      # about one pixel per side.
      slack_area = (h + w + 1) / (height * width)
      assert 0.08 - slack_area <= h * w / (height * width) <= 1.0 + slack_area
      slack_ratio = 1 / h + 1 / w
      assert math.log(3 / 4) - slack_ratio <= math.log(w / h) <= math.log(4 / 3) + slack_ratio


def test_crop_box_distribution_uniform_area_loguniform_ratio_uniform_position():
  # On a large square with scale <= 0.5 every first draw fits (side at most
  # sqrt(0.5 * 4/3) < 1 of the image), so the accepted boxes are the raw draws:
  # area ~ U(0.25, 0.5), log aspect ~ U(log 3/4, log 4/3), position uniform.
  rng = np.random.default_rng(1)
  n, side = 4000, 1000
  boxes = np.array(
      [image_ops.sample_crop_box(side, side, rng, scale=(0.25, 0.5)) for _ in range(n)], np.float64
  )
  top, left, h, w = boxes.T
  area = h * w / side**2
  log_aspect = np.log(w / h)
  # Uniform on [a, b]: mean (a+b)/2, sd (b-a)/sqrt(12); 5 standard errors.
  assert abs(area.mean() - 0.375) < 5 * (0.25 / math.sqrt(12)) / math.sqrt(n)
  assert abs(area.std() - 0.25 / math.sqrt(12)) < 0.005
  assert abs(log_aspect.mean()) < 5 * (2 * math.log(4 / 3) / math.sqrt(12)) / math.sqrt(n)
  assert area.min() >= 0.249 and area.max() <= 0.501
  # The box centre is uniform over the positions that keep it inside.
  centre_y = (top + h / 2) / side
  centre_x = (left + w / 2) / side
  assert abs(centre_y.mean() - 0.5) < 0.01 and abs(centre_x.mean() - 0.5) < 0.01


def test_crop_box_fallback_is_the_hand_computed_central_crop():
  rng = np.random.default_rng(0)
  # scale > 1 can never fit: always the fallback.
  # 300 x 200 (H x W): aspect 2/3 < 3/4 -> full width, height round(200 / 0.75) = 267.
  assert image_ops.sample_crop_box(300, 200, rng, scale=(2, 3)) == ((300 - 267) // 2, 0, 267, 200)
  # 37 x 53: aspect 1.43 > 4/3 -> full height, width round(37 * 4/3) = 49.
  assert image_ops.sample_crop_box(37, 53, rng, scale=(2, 3)) == (0, (53 - 49) // 2, 37, 49)
  # Aspect inside the range: the whole image.
  assert image_ops.sample_crop_box(100, 120, rng, scale=(2, 3)) == (0, 0, 100, 120)


def test_crop_box_bad_ranges_raise():
  rng = np.random.default_rng(0)
  with pytest.raises(ValueError, match='scale'):
    image_ops.sample_crop_box(10, 10, rng, scale=(0.5, 0.1))
  with pytest.raises(ValueError, match='ratio'):
    image_ops.sample_crop_box(10, 10, rng, ratio=(0, 1))


# --- random_resized_crop ---------------------------------------------------


def test_random_resized_crop_is_the_drawn_box_resized_with_pil():
  image = coordinate_image(300, 200)
  out = image_ops.random_resized_crop(image, np.random.default_rng(7), 64)
  top, left, h, w = image_ops.sample_crop_box(300, 200, np.random.default_rng(7))
  expected = pil_bilinear(image[top : top + h, left : left + w], 64)
  np.testing.assert_array_equal(out, expected)


def test_random_resized_crop_shapes_dtypes_and_determinism():
  for shape in [(37, 53, 3), (300, 200, 3), (50, 60), (50, 60, 1), (1, 1, 3)]:
    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    a = image_ops.random_resized_crop(image, np.random.default_rng(3), 32)
    b = image_ops.random_resized_crop(image, np.random.default_rng(3), 32)
    channels = shape[2] if len(shape) == 3 else 1
    assert a.shape == (32, 32, channels) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)


# --- random_flip -----------------------------------------------------------


def test_flip_is_a_left_right_mirror_and_twice_is_identity():
  image = coordinate_image(5, 7)
  rng = np.random.default_rng(0)
  flipped = None
  for _ in range(20):  # some draw flips
    out = image_ops.random_flip(image, rng)
    if not np.array_equal(out, image):
      flipped = out
      break
  np.testing.assert_array_equal(flipped, image[:, ::-1])
  np.testing.assert_array_equal(flipped[:, ::-1], image)
  # Flipping twice with the same draw is the identity.
  once = image_ops.random_flip(image, np.random.default_rng(5))
  np.testing.assert_array_equal(image_ops.random_flip(once, np.random.default_rng(5)), image)


def test_flip_probability_is_one_half():
  image = coordinate_image(2, 3)
  rng = np.random.default_rng(0)
  n = 4000
  flips = sum(not np.array_equal(image_ops.random_flip(image, rng), image) for _ in range(n))
  assert abs(flips / n - 0.5) < 5 * 0.5 / math.sqrt(n)


# --- center_crop_resize ----------------------------------------------------


def test_center_crop_at_crop_size_is_the_hand_computed_central_region():
  # 300 x 200, size 224, padding 32: side int(224/256 * 200) = 175,
  # offsets ((300-175+1)//2, (200-175+1)//2) = (63, 13). With crop_padding
  # chosen so that the crop side equals size, no resampling happens.
  image = coordinate_image(300, 200)
  assert image_ops.center_crop_box(300, 200, 224) == (63, 13, 175, 175)
  out = image_ops.center_crop_resize(image, 175, crop_padding=25)  # int(175/200*200) = 175
  np.testing.assert_array_equal(out, image[63 : 63 + 175, 13 : 13 + 175])
  out = image_ops.center_crop_resize(image, 200, crop_padding=0)
  np.testing.assert_array_equal(out, image[50:250, 0:200])


def test_center_crop_resize_matches_direct_pil_crop_and_resize():
  image = coordinate_image(37, 53)
  # side int(32/64 * 37) = 18, offsets ((37-18+1)//2, (53-18+1)//2) = (10, 18).
  out = image_ops.center_crop_resize(image, 32)
  expected = np.asarray(
      PIL.Image.fromarray(image)
      .crop((18, 10, 18 + 18, 10 + 18))
      .resize((32, 32), PIL.Image.BILINEAR)
  )
  np.testing.assert_array_equal(out, expected)


def test_center_crop_greyscale_keeps_one_channel():
  grey = coordinate_image(80, 60)[:, :, 0]
  out = image_ops.center_crop_resize(grey, 24)
  assert out.shape == (24, 24, 1) and out.dtype == np.uint8
  np.testing.assert_array_equal(out, image_ops.center_crop_resize(grey[:, :, None], 24))


# --- resize and validation -------------------------------------------------


def test_resize_matches_pil_and_accepts_height_width():
  image = coordinate_image(37, 53)
  np.testing.assert_array_equal(image_ops.resize(image, 20), pil_bilinear(image, 20))
  assert image_ops.resize(image, (10, 30)).shape == (10, 30, 3)


@pytest.mark.parametrize(
    'bad',
    [
        np.zeros((4, 4, 3), np.float32),  # dtype
        np.zeros((4,), np.uint8),  # rank
        np.zeros((2, 4, 4, 3), np.uint8),  # rank
        np.zeros((4, 4, 2), np.uint8),  # channels
        np.zeros((0, 4, 3), np.uint8),  # empty
    ],
)
def test_bad_images_raise_value_error(bad):
  rng = np.random.default_rng(0)
  with pytest.raises(ValueError, match='image'):
    image_ops.random_resized_crop(bad, rng, 8)
  with pytest.raises(ValueError, match='image'):
    image_ops.center_crop_resize(bad, 8)
  with pytest.raises(ValueError, match='image'):
    image_ops.random_flip(bad, rng)


def test_bad_size_raises():
  with pytest.raises(ValueError, match='size'):
    image_ops.resize(coordinate_image(4, 4), 0)


# --- make_transforms -------------------------------------------------------


def test_identity_transforms_leave_the_example():
  train_fn, eval_fn = image_ops.make_transforms('', 32)
  example = {'image': coordinate_image(5, 6), 'label': np.int64(3)}
  for fn in (train_fn, eval_fn):
    out = fn(example, np.random.default_rng(0))
    assert out is not example and out.keys() == example.keys()
    np.testing.assert_array_equal(out['image'], example['image'])


def test_imagenet_transforms_compose_the_ops_and_keep_other_keys():
  train_fn, eval_fn = image_ops.make_transforms('imagenet', 48)
  image = coordinate_image(300, 200)
  example = {'image': image, 'label': np.int64(7)}
  out = train_fn(example, np.random.default_rng(11))
  rng = np.random.default_rng(11)
  expected = image_ops.random_flip(image_ops.random_resized_crop(image, rng, 48), rng)
  np.testing.assert_array_equal(out['image'], expected)
  assert out['label'] == 7 and example['image'] is image  # input untouched
  out = eval_fn(example, None)
  np.testing.assert_array_equal(out['image'], image_ops.center_crop_resize(image, 48))
  grey = eval_fn({'image': image[:, :, 0]}, None)['image']
  assert grey.shape == (48, 48, 1)


def test_transforms_pickle_for_worker_processes():
  for name in image_ops.TRANSFORMS:
    for fn in image_ops.make_transforms(name, 16):
      clone = pickle.loads(pickle.dumps(fn))
      example = {'image': coordinate_image(40, 30)}
      np.testing.assert_array_equal(
          clone(example, np.random.default_rng(0))['image'],
          fn(example, np.random.default_rng(0))['image'],
      )


def test_unknown_transform_names_the_accepted_ones():
  with pytest.raises(ValueError, match="'imagenet'"):
    image_ops.make_transforms('inception', 224)
