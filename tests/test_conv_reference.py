"""The numpy conv-over-volume reference (notes 4.4, 4.5) against hand values and flax."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.models import conv_reference as ref
from jaxdl.cpu import patch_conv


def test_hand_computed_cell():
  # One 2x2x2 filter over a 3x3x2 volume: each output cell is the sum of the 8
  # products of the filter with the block under it, plus the bias.
  x = np.arange(18, dtype=np.float64).reshape(3, 3, 2)
  w = np.ones((2, 2, 2, 1))
  w[..., 1, 0] = -1.0  # +channel 0, -channel 1
  out = ref.conv_layer(x, w, np.array([0.5]))
  # channel 0 minus channel 1 at every cell is -1, so each sum is -4 + 0.5.
  assert out.shape == (2, 2, 1)
  np.testing.assert_allclose(out, -3.5)
  # Two filters -> two output channels (notes 4.4.1); ReLU clips the first.
  w2 = np.concatenate([w, np.ones((2, 2, 2, 1))], axis=-1)
  out2 = ref.conv_layer(x, w2, np.array([0.5, 0.0]), activation='relu')
  assert out2.shape == (2, 2, 2)
  np.testing.assert_allclose(out2[..., 0], 0.0)
  # Top-left block holds 0, 1, 2, 3, 6, 7, 8, 9.
  assert out2[0, 0, 1] == 36.0


@pytest.mark.parametrize(
    'stride,padding,activation',
    [(1, 'VALID', 'relu'), (1, 'SAME', 'tanh'), (2, 1, 'sigmoid'), (2, 'SAME', 'linear')],
)
def test_matches_flax_conv(stride, padding, activation):
  rng = np.random.default_rng(0)
  x = rng.normal(size=(2, 7, 6, 3)).astype(np.float32)
  layer = nn.Conv(
      4,
      (3, 3),
      strides=stride,
      padding=((padding, padding),) * 2 if isinstance(padding, int) else padding,
  )
  params = layer.init(jax.random.key(1), jnp.asarray(x))
  params = jax.tree.map(lambda p: p + 0.1, params)  # non-zero biases
  w = np.asarray(params['params']['kernel'])
  b = np.asarray(params['params']['bias'])
  act = {'relu': jax.nn.relu, 'tanh': jnp.tanh, 'sigmoid': jax.nn.sigmoid, 'linear': lambda z: z}[
      activation
  ]
  want = np.asarray(act(layer.apply(params, jnp.asarray(x))))
  got = ref.conv_layer(x, w, b, stride, padding, activation)
  np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_channel_mismatch_and_bad_activation_raise():
  with pytest.raises(ValueError, match='input channels'):
    ref.conv_layer(np.zeros((4, 4, 3)), np.zeros((3, 3, 2, 1)))
  with pytest.raises(ValueError, match='activation'):
    ref.conv_layer(np.zeros((4, 4, 3)), np.zeros((3, 3, 3, 1)), activation='gelu')


@pytest.mark.parametrize(
    'kernel,stride,padding',
    [
        ((5, 5), 1, 'VALID'),
        ((3, 3), 2, ((1, 1), (1, 1))),
        ((3, 2), 2, 'SAME'),
        ((1, 1), 2, 'VALID'),
    ],
)
def test_patch_conv_equals_flax_conv(kernel, stride, padding):
  # Same parameters, same outputs and gradients as nn.Conv (notes 4.4 as im2col).
  x = jnp.asarray(np.random.default_rng(3).normal(size=(2, 9, 8, 3)), jnp.float32)
  ref_layer = nn.Conv(4, kernel, stride, padding)
  fast = patch_conv.PatchConv(4, kernel, stride, padding)
  params = ref_layer.init(jax.random.key(0), x)
  assert jax.tree.map(jnp.shape, fast.init(jax.random.key(0), x)) == jax.tree.map(jnp.shape, params)
  np.testing.assert_allclose(
      jax.jit(fast.apply)(params, x), jax.jit(ref_layer.apply)(params, x), rtol=1e-5, atol=1e-5
  )
  loss = lambda layer: lambda p: jnp.sum(jnp.sin(layer.apply(p, x)))
  g_fast = jax.jit(jax.grad(loss(fast)))(params)
  g_ref = jax.jit(jax.grad(loss(ref_layer)))(params)
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4), g_fast, g_ref)
