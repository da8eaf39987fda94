"""Pooling layers (notes 4.6) against numpy loops and hand values."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.models import conv_reference as ref
from jaxdl.models import pooling


def test_max_pool_hand_example():
  # 4x4 -> 2x2 with f = s = 2: the max of each quadrant, per channel.
  a = np.array([[1, 3, 2, 1], [2, 9, 1, 1], [1, 3, 2, 3], [5, 6, 1, 2]], np.float32)
  x = np.stack([a, -a], axis=-1)[None]  # two channels
  out = np.asarray(pooling.max_pool(jnp.asarray(x), 2))
  np.testing.assert_array_equal(out[0, ..., 0], [[9, 2], [6, 3]])
  np.testing.assert_array_equal(out[0, ..., 1], [[-1, -1], [-1, -1]])
  assert out.shape == (1, 2, 2, 2)  # channels unchanged (notes 4.6.1)


@pytest.mark.parametrize('f,s,h', [(2, 2, 7), (2, 2, 8), (3, 1, 7), (3, 2, 7)])
def test_pools_match_numpy_reference(f, s, h):
  # h = 8 with f = s = 2 takes the reshape path, the others reduce_window.
  x = np.random.default_rng(0).normal(size=(2, h, 8, 3)).astype(np.float32)
  np.testing.assert_allclose(
      pooling.max_pool(jnp.asarray(x), f, s), ref.max_pool(x, f, s), rtol=1e-6
  )
  np.testing.assert_allclose(
      pooling.avg_pool(jnp.asarray(x), f, s), ref.avg_pool(x, f, s), rtol=1e-5, atol=1e-6
  )


def test_padded_pools():
  x = jnp.asarray(np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3, 1))
  # -inf padding: the max never comes from the border.
  mp = pooling.max_pool(-x, 3, 1, 'SAME')
  assert float(mp[0, 0, 0, 0]) == -1.0
  # Zero padding: corner 2x2 sum 1+2+4+5 = 12 over 9 cells or over 4 real cells.
  ap = pooling.avg_pool(x, 3, 1, 'SAME', count_include_pad=True)
  assert float(ap[0, 0, 0, 0]) == pytest.approx(12 / 9)
  ap = pooling.avg_pool(x, 3, 1, 'SAME', count_include_pad=False)
  assert float(ap[0, 0, 0, 0]) == pytest.approx(3.0)


def test_ceil_mode_max_pool_keeps_partial_window():
  x = jnp.asarray(np.arange(5, dtype=np.float32).reshape(1, 5, 1))  # 1D
  # f=2, s=2 over 5 cells: floor gives [max(0,1), max(2,3)], ceil adds [4].
  np.testing.assert_array_equal(pooling.max_pool(x, 2)[0, :, 0], [1, 3])
  np.testing.assert_array_equal(pooling.max_pool(x, 2, ceil_mode=True)[0, :, 0], [1, 3, 4])


def test_global_and_adaptive_average():
  x = np.random.default_rng(1).normal(size=(2, 7, 7, 5)).astype(np.float32)
  np.testing.assert_allclose(
      pooling.global_avg_pool(jnp.asarray(x)), x.mean(axis=(1, 2)), rtol=1e-5, atol=1e-6
  )
  # Adaptive 7 -> 3: windows [0,3), [2,5), [4,7) per torch's formula.
  got = np.asarray(pooling.adaptive_avg_pool(jnp.asarray(x), 3))
  bounds = [(0, 3), (2, 5), (4, 7)]
  want = np.array(
      [[x[:, a:b, c:d].mean(axis=(1, 2)) for c, d in bounds] for a, b in bounds]
  ).transpose(2, 0, 1, 3)
  np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
  # Output equal to input size: identity; 3D volumes work the same.
  np.testing.assert_array_equal(pooling.adaptive_avg_pool(jnp.asarray(x), 7), x)
  v = jnp.ones((1, 4, 4, 4, 2))
  assert pooling.adaptive_avg_pool(v, (2, 1, 4)).shape == (1, 2, 1, 4, 2)


def test_pools_are_differentiable():
  # d(sum of maxima)/dx is 1 at each window's argmax, 0 elsewhere; the
  # average spreads 1/f^2 over each window.
  x = jnp.asarray(np.random.default_rng(2).normal(size=(1, 4, 4, 1)), jnp.float32)
  g = np.asarray(jax.grad(lambda v: pooling.max_pool(v, 2).sum())(x))[0, ..., 0]
  xs = np.asarray(x)[0, ..., 0]
  for i in (0, 2):
    for j in (0, 2):
      block = xs[i : i + 2, j : j + 2]
      want = (block == block.max()).astype(np.float32)
      np.testing.assert_array_equal(g[i : i + 2, j : j + 2], want)
  ga = jax.jit(jax.grad(lambda v: pooling.avg_pool(v, 2).sum()))(x)
  np.testing.assert_allclose(ga, 0.25)
  # Overlapping windows (reduce_window path): each of the 4 windows of a
  # 3x3/1 pool over 4x4 sends 1 to its argmax.
  g3 = jax.jit(jax.grad(lambda v: pooling.max_pool(v, 3, 1).sum()))(x)
  assert float(g3.sum()) == 4.0
  want = np.zeros((4, 4))
  for i in (0, 1):
    for j in (0, 1):
      block = xs[i : i + 3, j : j + 3]
      a, b = np.unravel_index(np.argmax(block), (3, 3))
      want[i + a, j + b] += 1
  np.testing.assert_array_equal(np.asarray(g3)[0, ..., 0], want)


def test_tiled_max_pool_splits_ties_equally_over_2x2():
  # A window of four equal values: each gets a quarter of the gradient, and
  # two tied maxima (of four) get a half each.
  x = jnp.asarray([[1.0, 1.0, 2.0, 0.0], [1.0, 1.0, 2.0, 0.0]])[None, :, :, None]
  g = jax.grad(lambda v: pooling.max_pool(v, 2).sum())(x)[0, ..., 0]
  np.testing.assert_allclose(g, [[0.25, 0.25, 0.5, 0.0], [0.25, 0.25, 0.5, 0.0]])


def test_bad_inputs_raise():
  with pytest.raises(ValueError, match="'max' or 'avg'"):
    pooling.make_pool('median', 2)
  with pytest.raises(ValueError, match='spatial'):
    pooling.max_pool(jnp.ones((4, 3)), 2)
  with pytest.raises(ValueError, match='window'):
    pooling.max_pool(jnp.ones((1, 4, 4, 1)), (2, 2, 2))


def test_bad_windows_and_inputs_raise():
  x = jnp.ones((1, 4, 4, 2))
  # Before: a window larger than the input gave a [1, 0, 0, 2] result without error.
  with pytest.raises(ValueError, match=r'kernel extent 5 exceeds the padded input 4'):
    pooling.max_pool(x, 5)
  with pytest.raises(ValueError, match=r'kernel extent 5 exceeds the padded input 4'):
    pooling.avg_pool(x, (5, 2))
  with pytest.raises(ValueError, match='window must be a positive int, got 0'):
    pooling.max_pool(x, (0, 2))
  with pytest.raises(ValueError, match='strides must be a positive int, got -1'):
    pooling.avg_pool(x, 2, strides=-1)
  with pytest.raises(
      ValueError, match=r'padding must be a string, an int or one spec per spatial axis \(2\)'
  ):
    pooling.max_pool(x, 2, padding=[(1, 1)])
  # Under jit the checks are on static shapes and still fire.
  with pytest.raises(ValueError, match='exceeds the padded input'):
    jax.jit(lambda v: pooling.max_pool(v, 5))(x)
  # Before: NaN from a mean over an empty spatial axis, and x returned unchanged
  # by adaptive pooling when it had no spatial axis at all.
  with pytest.raises(ValueError, match=r'non-empty spatial axes .*got \(1, 0, 4, 2\)'):
    pooling.global_avg_pool(jnp.ones((1, 0, 4, 2)))
  with pytest.raises(ValueError, match=r'non-empty spatial axes'):
    pooling.adaptive_avg_pool(jnp.ones((1, 0, 4, 2)), 2)
  with pytest.raises(ValueError, match=r'at least one spatial axis, got shape \(3, 2\)'):
    pooling.adaptive_avg_pool(jnp.ones((3, 2)), 2)


def test_1d_asymmetric_padding_is_applied():
  # Before: explicit_padding zipped (0, 2) with the single axis and padded (0, 0).
  x = jnp.arange(1.0, 5.0).reshape(1, 4, 1)
  out = pooling.avg_pool(x, 2, strides=1, padding=(0, 2))
  np.testing.assert_allclose(out[0, :, 0], [1.5, 2.5, 3.5, 2.0, 0.0])  # zeros in the right padding


def _torch_pool_cases():
  """(n, f, p, s, out) over a grid; out is PyTorch's ceil_mode output length, None where it rejects."""
  torch = pytest.importorskip('torch')
  cases = []
  for n in range(1, 9):
    for f in range(1, 6):
      for s in range(1, 6):
        for p in range(0, 3):
          try:
            out = torch.nn.functional.max_pool2d(
                torch.zeros(1, 1, n, n), f, s, p, ceil_mode=True
            ).shape[-1]
          except RuntimeError:
            out = None
          cases.append((n, f, p, s, out))
  return torch, cases


def test_ceil_mode_output_size_matches_pytorch():
  # PyTorch's rule: ceil((n + 2p - f) / s) + 1, minus one if the last window
  # starts in the right padding; a window up to s - 1 cells longer than the
  # padded input still gives one output (n=3, f=4, p=0, s=4 -> 1). Before, the
  # 41 overhang cases of this grid raised here.
  from jaxdl.models import conv_arithmetic as ca

  _, cases = _torch_pool_cases()
  assert len(cases) == 600 and sum(c[4] is not None for c in cases) == 416
  for n, f, p, s, want in cases:
    if want is None:  # torch rejects (p > f / 2, or no window at all): so do we
      with pytest.raises(ValueError):
        ca.pool_output_shape((n, n), f, s, p, ceil_mode=True)
    else:
      assert ca.pool_output_shape((n, n), f, s, p, ceil_mode=True) == (want, want), (n, f, p, s)


def test_ceil_mode_pool_values_match_pytorch():
  # Every overhang case of the grid (window longer than the padded input), a
  # sample of those where ceil_mode keeps a partial last window, a few others.
  torch, cases = _torch_pool_cases()
  ok = [c for c in cases if c[4] is not None]
  overhang = [c for c in ok if c[0] + 2 * c[2] < c[1]]
  partial = [c for c in ok if c not in overhang and c[4] != (c[0] + 2 * c[2] - c[1]) // c[3] + 1]
  rest = [c for c in ok if c not in overhang and c not in partial]
  assert (3, 4, 0, 4, 1) in overhang and len(overhang) == 41
  rng = np.random.default_rng(0)
  chosen = (
      overhang
      + [partial[i] for i in rng.choice(len(partial), 16, replace=False)]
      + [rest[i] for i in rng.choice(len(rest), 6, replace=False)]
  )
  for n, f, p, s, want in chosen:
    x = rng.normal(size=(2, 3, n, n)).astype(np.float32)
    xt = torch.from_numpy(x)
    pools = jax.jit(
        lambda v, f=f, s=s, p=p: (  # one compile per case
            pooling.max_pool(v, f, s, p, ceil_mode=True),
            pooling.avg_pool(v, f, s, p, True, ceil_mode=True),
            pooling.avg_pool(v, f, s, p, False, ceil_mode=True),
        )
    )
    got = [np.asarray(a).transpose(0, 3, 1, 2) for a in pools(jnp.asarray(x.transpose(0, 2, 3, 1)))]
    assert got[0].shape[-1] == want
    np.testing.assert_array_equal(
        got[0], torch.nn.functional.max_pool2d(xt, f, s, p, ceil_mode=True)
    )
    for a, include in zip(got[1:], (True, False)):
      np.testing.assert_allclose(
          a,
          torch.nn.functional.avg_pool2d(xt, f, s, p, ceil_mode=True, count_include_pad=include),
          rtol=1e-5,
          atol=1e-6,
          err_msg=str((n, f, p, s, include)),
      )


def test_floor_mode_still_rejects_a_window_larger_than_the_input():
  torch = pytest.importorskip('torch')
  from jaxdl.models import conv_arithmetic as ca

  with pytest.raises(RuntimeError):
    torch.nn.functional.max_pool2d(torch.zeros(1, 1, 3, 3), 4, 4)
  with pytest.raises(ValueError, match='kernel extent 4 exceeds the padded input 3'):
    pooling.max_pool(jnp.zeros((1, 3, 3, 1)), 4, 4)
  with pytest.raises(ValueError, match='by 4 >= stride 4, even with ceil_mode'):
    ca.conv_output_size(3, 7, 4, ceil_mode=True)
