"""1D and 3D ConvNets (notes 4.14.2): shape arithmetic and learning on generated data."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxdl.models import conv_arithmetic as ca
from jaxdl.models import layer_table as lt
from jaxdl.models.zoo import conv1d, conv3d, convnet_nd


@settings(max_examples=8, deadline=None)
@given(st.integers(1, 3), st.sampled_from(['SAME', 'VALID']), st.integers(1, 4), st.data())
def test_layer_shapes_follow_the_arithmetic(nd, padding, k, data):
  spatial = tuple(data.draw(st.integers(16, 24)) for _ in range(nd))
  model = convnet_nd.ConvNetND(nd, features=(3, 5), kernel_size=k, padding=padding, num_classes=4)
  rows = lt.layer_table(model, (1, *spatial, 2))
  got = {r.name: r.shape for r in rows if r.name != 'input'}
  assert got == model.expected_shapes(spatial)
  # Hand check of the first layer: n - f + 1 (valid) or n (same), notes 4.1/4.2.
  want = tuple(n - k + 1 if padding == 'VALID' else n for n in spatial)
  assert got['conv1'] == (*want, 3)
  # A filter spans all input channels: k^nd * C_in * C_out + C_out.
  assert rows[1].params == ca.conv_param_count((k,) * nd, 2, 3)


def test_1d_and_3d_shapes_by_hand():
  # 1D: 64 -> conv 5 same -> 64 -> pool 2 -> 32 -> conv -> 32 -> pool -> 16.
  s1 = conv1d.SignalNet(num_classes=3).expected_shapes((64,))
  assert s1['pool1'] == (32, 16) and s1['pool2'] == (16, 32)
  s1v = conv1d.SignalNet(padding='VALID').expected_shapes((64,))
  assert s1v['conv1'] == (60, 16) and s1v['conv2'] == (26, 32)
  # 3D: 10x12x14 volume, 3x3x3 valid convs: 8x10x12 -> 4x5x6 -> 2x3x4 -> 1x1x2.
  s3 = conv3d.VolumeNet(padding='VALID').expected_shapes((10, 12, 14))
  assert s3['conv1'] == (8, 10, 12, 8) and s3['pool1'] == (4, 5, 6, 8)
  assert s3['conv2'] == (2, 3, 4, 16) and s3['pool2'] == (1, 1, 2, 16)


def test_wrong_rank_raises():
  with pytest.raises(ValueError, match='spatial axes'):
    jax.eval_shape(lambda: conv3d.VolumeNet().init(jax.random.key(0), jnp.zeros((1, 8, 8, 1))))
  with pytest.raises(ValueError, match='spatial_dims'):
    jax.eval_shape(
        lambda: convnet_nd.ConvNetND(4).init(jax.random.key(0), jnp.zeros((1, 4, 4, 4, 4, 1)))
    )


def make_signals(n, length, rng):
  """Noisy sines; label 0: 2-4 cycles per window, label 1: 8-10 cycles."""
  labels = rng.integers(0, 2, n)
  cycles = np.where(labels == 0, rng.uniform(2, 4, n), rng.uniform(8, 10, n))
  t = np.arange(length) / length
  phase = rng.uniform(0, 2 * np.pi, n)
  x = np.sin(2 * np.pi * cycles[:, None] * t + phase[:, None])
  x = x + 0.3 * rng.normal(size=x.shape)
  return x[..., None].astype(np.float32), labels.astype(np.int32)


def make_volumes(n, side, rng):
  """A bright 5-voxel rod in noise; label 0: along depth, 1: along height."""
  labels = rng.integers(0, 2, n)
  x = 0.3 * rng.normal(size=(n, side, side, side)).astype(np.float32)
  for i in range(n):
    a, b, c = rng.integers(0, side - 5, 3)
    if labels[i] == 0:
      x[i, a : a + 5, b, c] += 1.5
    else:
      x[i, a, b : b + 5, c] += 1.5
  return x[..., None], labels.astype(np.int32)


def _fit_and_score(model, make, shape, steps, rng):
  x, y = make(256, *shape, rng)
  xt, yt = make(128, *shape, rng)
  params = jax.jit(model.init)(jax.random.key(0), x[:2])
  tx = optax.adam(1e-2)
  opt = tx.init(params)

  @jax.jit
  def step(params, opt, xb, yb):
    def loss(p):
      return optax.softmax_cross_entropy_with_integer_labels(model.apply(p, xb), yb).mean()

    g = jax.grad(loss)(params)
    upd, opt = tx.update(g, opt)
    return optax.apply_updates(params, upd), opt

  for i in range(steps):
    idx = np.arange(i * 32, i * 32 + 32) % 256
    params, opt = step(params, opt, x[idx], y[idx])
  pred = np.argmax(jax.jit(model.apply)(params, xt), -1)
  return float(np.mean(pred == yt))


def test_1d_net_learns_frequencies():
  acc = _fit_and_score(
      conv1d.SignalNet(features=(8, 8), num_classes=2),
      make_signals,
      (64,),
      60,
      np.random.default_rng(0),
  )
  assert acc >= 0.9


def test_3d_net_learns_orientation():
  acc = _fit_and_score(
      conv3d.VolumeNet(features=(8, 8), num_classes=2),
      make_volumes,
      (8,),
      120,
      np.random.default_rng(1),
  )
  assert acc >= 0.9


# --- The conv_nd experiment (launch/conv_nd.py): generated data and smoke runs. ---

import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from jaxdl.convnets import conv_nd_experiment, nd_data  # noqa: E402
from jaxdl.errors import ConfigError  # noqa: E402
from jaxdl.review.config_file import load_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    'generate,key,shape,num_classes',
    [
        (nd_data.ecg_signals, 'signal', (256, 1), 5),
        (nd_data.shape_volumes, 'volume', (16, 16, 16, 1), 4),
    ],
)
def test_nd_data_is_deterministic_and_balanced(generate, key, shape, num_classes):
  a = generate(23, np.random.default_rng(5))
  b = generate(23, np.random.default_rng(5))
  c = generate(23, np.random.default_rng(6))
  assert a[key].shape == (23, *shape) and a[key].dtype == np.float32
  np.testing.assert_array_equal(a[key], b[key])
  np.testing.assert_array_equal(a['label'], b['label'])
  assert not np.array_equal(a[key], c[key])
  counts = np.bincount(a['label'], minlength=num_classes)
  assert counts.max() - counts.min() <= 1 and counts.sum() == 23  # 23 = 4*5+3 / 5*4+3
  assert np.isfinite(a[key]).all()


def test_nd_dataset_splits_are_seeded_apart():
  ds = nd_data.load_nd_dataset('ecg', {'train': 10, 'dev': 5, 'test': 5}, seed=0, size=256)
  again = nd_data.load_nd_dataset('ecg', {'train': 10, 'dev': 7, 'test': 5}, seed=0, size=256)
  assert ds.info.input_key == 'signal' and ds.info.class_names == nd_data.ECG_CLASSES
  # A split's content depends on the seed and its name only, not on other splits' sizes.
  np.testing.assert_array_equal(ds.splits['train']['signal'], again.splits['train']['signal'])
  assert not np.array_equal(ds.splits['dev']['signal'], ds.splits['test']['signal'])


def test_too_short_records_and_volumes_raise():
  # A premature beat needs 2 s of record; the shapes need 12 voxels a side.
  with pytest.raises(ValueError, match='2 s'):
    nd_data.ecg_signals(4, np.random.default_rng(0), length=150)
  with pytest.raises(ValueError, match='side'):
    nd_data.shape_volumes(4, np.random.default_rng(0), side=8)


def test_volume_shapes_by_hand():
  rng = np.random.default_rng(0)
  for label, name in enumerate(nd_data.SHAPE_CLASSES):
    m = nd_data._shape_mask(label, 16, rng)
    assert m.shape == (16, 16, 16) and 0 < m.sum() < 16**3, name
  # The cube shell is hollow: its centre voxel is empty, a sphere's is full.
  shell = nd_data._shape_mask(nd_data.SHAPE_CLASSES.index('cube_shell'), 16, rng)
  idx = np.argwhere(shell)
  centre = tuple((idx.min(0) + idx.max(0)) // 2)
  assert shell[centre] == 0
  ball = nd_data._shape_mask(0, 16, rng)
  idx = np.argwhere(ball)
  assert ball[tuple((idx.min(0) + idx.max(0)) // 2)] == 1


@pytest.mark.parametrize('variant,chance', [('smoke', 0.8), ('volume_smoke', 0.75)])
def test_conv_nd_smoke_runs_and_beats_chance(variant, chance, tmp_path, capsys):
  config = load_config(f'launch/configs/conv_nd.py:{variant}')
  result = conv_nd_experiment.run(config, str(tmp_path))
  assert 'total' in capsys.readouterr().out  # the layer table came first
  assert (tmp_path / 'layer_table.txt').exists()
  final = result.run.final
  assert final['test']['error'] < chance - 0.2, final
  assert result.num_params > 0
  report = conv_nd_experiment.report(result, str(tmp_path))
  assert '| split |' in report and f'parameters: {result.num_params:,}' in report


def test_conv_nd_config_rejects_a_model_of_the_wrong_rank():
  config = load_config('launch/configs/conv_nd.py:smoke')
  config.model = 'volume_net'
  with pytest.raises(ConfigError, match='spatial axes'):
    conv_nd_experiment.check_config(config)
  config = load_config('launch/configs/conv_nd.py:volume_smoke')
  config.generator.size = 8
  with pytest.raises(ConfigError, match='generator.size'):
    conv_nd_experiment.check_config(config)


def test_conv_nd_launcher_smoke(tmp_path):
  out = subprocess.run(
      [
          sys.executable,
          'launch/conv_nd.py',
          '--config=launch/configs/conv_nd.py:smoke',
          f'--workdir={tmp_path}',
      ],
      cwd=ROOT,
      capture_output=True,
      text=True,
      timeout=600,
      check=True,
  )
  assert '| split |' in out.stdout and 'parameters:' in out.stdout
