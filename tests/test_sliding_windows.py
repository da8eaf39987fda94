"""Sliding windows (notes 4.11.2) == their convolutional implementation (notes 4.11.3)."""
import jax
import numpy as np
import pytest

from jaxdl.detection import sliding_windows as SW


def _models(num_classes=4, hidden=400):
  dense = SW.WindowClassifier(hidden=hidden, num_classes=num_classes)
  conv = SW.ConvWindowClassifier(window=14, hidden=hidden, num_classes=num_classes)
  params = jax.jit(dense.init)(jax.random.key(0), np.zeros((1, 14, 14, 3)))['params']
  return dense, conv, params


def test_parameter_count_of_the_notes_network():
  # 14x14x3 -> conv 5x5x16 -> pool -> 5x5x16 -> FC 400 -> FC 400 -> 4; shapes only (eval_shape)
  dense = SW.WindowClassifier()
  params = jax.eval_shape(dense.init, jax.random.key(0), jax.ShapeDtypeStruct((1, 14, 14, 3), np.float32))['params']
  count = lambda tree: sum(int(np.prod(x.shape)) for x in jax.tree.leaves(tree))
  want = (5 * 5 * 3 * 16 + 16) + (400 * 400 + 400) + (400 * 400 + 400) + (400 * 4 + 4)
  assert count(params) == want == 323620
  conv_params = jax.eval_shape(lambda p: SW.dense_to_conv_params(p, 14, 5, 2), params)
  assert count(conv_params) == want
  assert conv_params['fc1']['kernel'].shape == (5, 5, 16, 400)
  conv = SW.ConvWindowClassifier(window=14)
  direct = jax.eval_shape(conv.init, jax.random.key(0), jax.ShapeDtypeStruct((1, 14, 14, 3), np.float32))['params']
  assert jax.tree.map(lambda x: x.shape, direct) == jax.tree.map(lambda x: x.shape, conv_params)


def test_crops_are_the_windows():
  img = np.random.default_rng(0).normal(size=(2, 18, 20, 3)).astype(np.float32)
  crops = jax.jit(SW.crop_every_window, static_argnums=(1, 2))(img, 14, 2)
  assert crops.shape == (2, 3, 4, 14, 14, 3)
  np.testing.assert_array_equal(crops[1, 2, 3], img[1, 4:18, 6:20])


@pytest.mark.parametrize('size,grid', [(16, 2), (28, 8)])
def test_convolutional_equals_cropping(size, grid):
  dense, conv, params = _models(hidden=64)
  img = np.random.default_rng(size).normal(size=(2, size, size, 3)).astype(np.float32)
  slid = jax.jit(lambda p, x: SW.sliding_window_logits(lambda c: dense.apply({'params': p}, c), x, 14, 2))(params, img)
  full = jax.jit(conv.apply)({'params': SW.dense_to_conv_params(params, 14, 5, 2)}, img)
  assert full.shape == slid.shape == (2, grid, grid, 4)
  np.testing.assert_allclose(full, slid, atol=1e-4, rtol=1e-4)


def test_window_geometry_is_checked():
  with pytest.raises(ValueError, match='stride'):
    SW.crop_every_window(np.zeros((1, 17, 17, 3)), 14, 2)
  with pytest.raises(ValueError, match='pool'):
    SW.pooled_size(15, 5, 2)
