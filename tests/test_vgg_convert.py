"""VGG-19 weight converters: files in the Keras .h5 and torchvision layouts, built
from random weights, must make the flax VGG reproduce a numpy forward pass
written directly in each framework's own layout."""

import h5py
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.models.zoo.vgg import VGG
from jaxdl.style import vgg_weights

STAGES = (2, 2, 4, 4, 4)
WIDTHS = (4, 8, 8, 16, 16)
FC, CLASSES, SIDE = 12, 5, 64  # pool5 is 2x2, so the fc6 flatten order matters


def _tiny_vgg(pool='max'):
  return VGG(
      stage_sizes=STAGES,
      widths=WIDTHS,
      fc_width=FC,
      num_classes=CLASSES,
      adaptive_pool=None,
      pool=pool,
  )


def _torch_state(rng):
  """A torchvision-layout state dict with random weights."""
  state, cin = {}, 3
  for name, k in zip(
      vgg_weights.conv_names(STAGES), vgg_weights.torchvision_feature_indices(STAGES)
  ):
    cout = WIDTHS[int(name[4]) - 1]
    state[f'features.{k}.weight'] = rng.normal(0, np.sqrt(2 / (9 * cin)), (cout, cin, 3, 3)).astype(
        np.float32
    )
    state[f'features.{k}.bias'] = rng.normal(0, 0.1, cout).astype(np.float32)
    cin = cout
  fan = WIDTHS[-1] * (SIDE // 32) ** 2
  for k, (i, o) in zip((0, 3, 6), ((fan, FC), (FC, FC), (FC, CLASSES))):
    state[f'classifier.{k}.weight'] = rng.normal(0, 1 / np.sqrt(i), (o, i)).astype(np.float32)
    state[f'classifier.{k}.bias'] = rng.normal(0, 0.1, o).astype(np.float32)
  return state


def _np_forward_torch(state, x_nchw, pool='max'):
  """Reference VGG forward in torchvision's layout (NCHW, OIHW, CHW flatten)."""
  acts, x, k = {}, x_nchw.astype(np.float64), 0
  for s, n in enumerate(STAGES, 1):
    for i in range(1, n + 1):
      w, b = state[f'features.{k}.weight'], state[f'features.{k}.bias']
      xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
      h, wd = x.shape[2:]
      y = (
          sum(
              np.einsum('oi,nihw->nohw', w[:, :, dy, dx], xp[:, :, dy : dy + h, dx : dx + wd])
              for dy in range(3)
              for dx in range(3)
          )
          + b[None, :, None, None]
      )
      x = np.maximum(y, 0)
      acts[f'conv{s}_{i}'] = x
      k += 2
    nb, c, h, wd = x.shape
    blocks = x.reshape(nb, c, h // 2, 2, wd // 2, 2)
    x = blocks.max(axis=(3, 5)) if pool == 'max' else blocks.mean(axis=(3, 5))
    k += 1
  x = x.reshape(x.shape[0], -1)  # torch flattens (C, H, W)
  x = np.maximum(x @ state['classifier.0.weight'].T + state['classifier.0.bias'], 0)
  x = np.maximum(x @ state['classifier.3.weight'].T + state['classifier.3.bias'], 0)
  return acts, x @ state['classifier.6.weight'].T + state['classifier.6.bias']


def _run_flax(params, x_nhwc, pool='max'):
  model = _tiny_vgg(pool)
  v = {'params': jax.tree.map(jnp.asarray, params)}
  logits = model.apply(v, x_nhwc)
  acts = model.apply(v, x_nhwc, capture=('conv1_1', 'conv3_4', 'conv5_1', 'conv5_4'))
  return acts, logits


def test_conv_index_map_matches_torchvision_vgg19():
  # torchvision vgg19.features: convs at these positions (ReLU after each, pools at 4, 9, 18, 27, 36).
  assert vgg_weights.torchvision_feature_indices() == [
      0,
      2,
      5,
      7,
      10,
      12,
      14,
      16,
      19,
      21,
      23,
      25,
      28,
      30,
      32,
      34,
  ]


@pytest.mark.parametrize('pool', ['max', 'avg'])
def test_torchvision_npz_reproduces_numpy_forward(tmp_path, pool):
  rng = np.random.default_rng(0)
  state = _torch_state(rng)
  path = str(tmp_path / 'vgg.npz')
  np.savez(path, **state)
  params, mode = vgg_weights.load_vgg_params(path, STAGES)
  assert mode == 'torch'
  x = rng.random((2, SIDE, SIDE, 3)).astype(np.float32)
  acts, logits = _run_flax(params, x, pool)
  ref_acts, ref_logits = _np_forward_torch(state, x.transpose(0, 3, 1, 2), pool)
  np.testing.assert_allclose(logits, ref_logits, rtol=1e-4, atol=1e-4)
  for name, a in acts.items():
    np.testing.assert_allclose(a, ref_acts[name].transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-4)


def _write_keras_h5(path, state):
  """The same random weights written in Keras' VGG19 .h5 layout (HWIO kernels, HWC flatten)."""
  with h5py.File(path, 'w') as f:
    names = []

    def layer(name, kernel, bias):
      g = f.create_group(name)
      g.attrs['weight_names'] = [f'{name}/kernel:0'.encode(), f'{name}/bias:0'.encode()]
      g.create_dataset(f'{name}/kernel:0', data=kernel)
      g.create_dataset(f'{name}/bias:0', data=bias)
      names.append(name.encode())

    for name, k in zip(
        vgg_weights.conv_names(STAGES), vgg_weights.torchvision_feature_indices(STAGES)
    ):
      s, i = name[4], name[6]
      layer(
          f'block{s}_conv{i}',
          state[f'features.{k}.weight'].transpose(2, 3, 1, 0),
          state[f'features.{k}.bias'],
      )
    c, side = WIDTHS[-1], SIDE // 32
    w6 = (
        state['classifier.0.weight']
        .reshape(FC, c, side, side)
        .transpose(2, 3, 1, 0)
        .reshape(-1, FC)
    )
    layer('fc1', w6, state['classifier.0.bias'])
    layer('fc2', state['classifier.3.weight'].T, state['classifier.3.bias'])
    layer('predictions', state['classifier.6.weight'].T, state['classifier.6.bias'])
    f.attrs['layer_names'] = names


def _np_forward_keras(path, x_nhwc):
  """Reference forward straight from the .h5 arrays (NHWC, HWIO, HWC flatten)."""
  with h5py.File(path, 'r') as f:
    w = {
        n: (np.asarray(f[n][f'{n}/kernel:0'], np.float64), np.asarray(f[n][f'{n}/bias:0']))
        for n in f
    }
  x = x_nhwc.astype(np.float64)
  acts = {}
  for s, n in enumerate(STAGES, 1):
    for i in range(1, n + 1):
      k, b = w[f'block{s}_conv{i}']
      xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
      h, wd = x.shape[1:3]
      x = np.maximum(
          sum(
              np.einsum('nhwi,io->nhwo', xp[:, dy : dy + h, dx : dx + wd], k[dy, dx])
              for dy in range(3)
              for dx in range(3)
          )
          + b,
          0,
      )
      acts[f'conv{s}_{i}'] = x
    nb, h, wd, c = x.shape
    x = x.reshape(nb, h // 2, 2, wd // 2, 2, c).max(axis=(2, 4))
  x = x.reshape(x.shape[0], -1)
  for name in ('fc1', 'fc2'):
    x = np.maximum(x @ w[name][0] + w[name][1], 0)
  return acts, x @ w['predictions'][0] + w['predictions'][1]


def test_keras_h5_reproduces_numpy_forward(tmp_path):
  rng = np.random.default_rng(1)
  path = str(tmp_path / 'vgg19_weights_tf_dim_ordering_tf_kernels.h5')
  _write_keras_h5(path, _torch_state(rng))
  params, mode = vgg_weights.load_vgg_params(path, STAGES)
  assert mode == 'caffe'
  x = rng.random((2, SIDE, SIDE, 3)).astype(np.float32)
  acts, logits = _run_flax(params, x)
  ref_acts, ref_logits = _np_forward_keras(path, x)
  np.testing.assert_allclose(logits, ref_logits, rtol=1e-4, atol=1e-4)
  for name, a in acts.items():
    np.testing.assert_allclose(a, ref_acts[name], rtol=1e-4, atol=1e-4)


def test_param_tree_matches_flax_init_structure(tmp_path):
  params = vgg_weights.from_torchvision(_torch_state(np.random.default_rng(2)), STAGES)
  # Shapes only: eval_shape skips the (slow, eager) forward pass of init.
  init = jax.eval_shape(_tiny_vgg().init, jax.random.key(0), jnp.zeros((1, SIDE, SIDE, 3)))[
      'params'
  ]
  assert jax.tree.structure(init) == jax.tree.structure(params)
  assert all(a.shape == b.shape for a, b in zip(jax.tree.leaves(init), jax.tree.leaves(params)))


def test_preprocess_modes_and_errors(tmp_path):
  x = np.zeros((1, 1, 3), np.float32)
  x[..., 0] = 1.0  # pure red
  np.testing.assert_allclose(
      vgg_weights.preprocess(x, 'caffe')[0, 0], [-103.939, -116.779, 255 - 123.68], rtol=1e-6
  )
  np.testing.assert_allclose(
      vgg_weights.preprocess(x, 'torch')[0, 0],
      [(1 - 0.485) / 0.229, -0.456 / 0.224, -0.406 / 0.225],
      rtol=1e-6,
  )
  with pytest.raises(ValueError, match='mode'):
    vgg_weights.preprocess(x, 'tf')
  with pytest.raises(ValueError, match='weights path'):
    vgg_weights.load_vgg_params(str(tmp_path / 'vgg.pth'))
  with pytest.raises(ValueError, match='lacks'):
    vgg_weights.from_torchvision({'features.1.weight': np.zeros((4, 3, 3, 3))}, STAGES)


def test_features_differentiable_wrt_image_under_jit(pool='avg'):
  # Style transfer differentiates captured activations with respect to the image, inside jit
  # (average pooling, its default; the zoo's own tests cover max-pool gradients).
  model = VGG(stage_sizes=STAGES, widths=WIDTHS, include_top=False, pool=pool)
  x = jnp.asarray(np.random.default_rng(3).random((1, 32, 32, 3)), jnp.float32)
  v = jax.jit(model.init)(jax.random.key(0), x)
  g = jax.jit(jax.grad(lambda x: model.apply(v, x, capture=('conv5_1',))['conv5_1'].sum()))(x)
  assert g.shape == x.shape and np.all(np.isfinite(g)) and np.any(g != 0)


def _random_keras_layers(rng):
  """{keras layer: (kernel, bias)} of a no-top tiny VGG-19 with random weights."""
  layers, cin = {}, 3
  for s, n in enumerate(STAGES, 1):
    for i in range(1, n + 1):
      cout = WIDTHS[s - 1]
      layers[f'block{s}_conv{i}'] = (
          rng.normal(size=(3, 3, cin, cout)).astype(np.float32),
          rng.normal(size=cout).astype(np.float32),
      )
      cin = cout
  return layers


def _write_h5(path, layers, dataset_names, weight_names_attr=True):
  """One group per layer; dataset_names(layer) -> (kernel name, bias name) inside the group."""
  with h5py.File(path, 'w') as f:
    for layer, (kernel, bias) in layers.items():
      g = f.create_group(layer)
      kname, bname = dataset_names(layer)
      if weight_names_attr:
        g.attrs['weight_names'] = [kname.encode(), bname.encode()]
      g.create_dataset(kname, data=kernel)
      g.create_dataset(bname, data=bias)
    f.attrs['layer_names'] = [n.encode() for n in layers]


@pytest.mark.parametrize(
    'scheme,names,attr',
    [
        ('keras2', lambda l: (f'{l}/kernel:0', f'{l}/bias:0'), True),
        ('keras2', lambda l: (f'{l}/kernel:0', f'{l}/bias:0'), False),
        # vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 as first published (Keras 1)
        ('keras1', lambda l: (f'{l}_W_1:0', f'{l}_b_1:0'), True),
        ('keras1', lambda l: (f'{l}_W_1:0', f'{l}_b_1:0'), False),
        ('keras1', lambda l: (f'{l}_W:0', f'{l}_b:0'), True),  # older still
    ],
)
def test_keras_h5_both_naming_schemes_load_what_was_written(tmp_path, caplog, scheme, names, attr):
  layers = _random_keras_layers(np.random.default_rng(4))
  path = str(tmp_path / 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5')
  _write_h5(path, layers, names, attr)
  with caplog.at_level('INFO'):
    params, mode = vgg_weights.load_vgg_params(path, STAGES)
  assert mode == 'caffe'
  assert sorted(params) == sorted(vgg_weights.conv_names(STAGES))  # no top in the file
  for s, n in enumerate(STAGES, 1):
    for i in range(1, n + 1):
      kernel, bias = layers[f'block{s}_conv{i}']
      np.testing.assert_array_equal(params[f'conv{s}_{i}']['kernel'], kernel)
      np.testing.assert_array_equal(params[f'conv{s}_{i}']['bias'], bias)
  assert f'dataset names in the {scheme} (' in caplog.text


def test_keras_h5_in_neither_scheme_names_the_first_missing_dataset(tmp_path):
  layers = _random_keras_layers(np.random.default_rng(5))
  path = str(tmp_path / 'odd.h5')
  _write_h5(path, layers, lambda l: (f'{l}_weights:0', f'{l}_offset:0'))
  with pytest.raises(ValueError) as err:
    vgg_weights.load_vgg_params(path, STAGES)
  msg = str(err.value)
  assert '\n' not in msg
  assert msg.startswith(
      "Keras layer /block1_conv1 has no dataset 'block1_conv1/kernel:0' (Keras 2 names) "
      "nor 'block1_conv1_W_1:0' (Keras 1 names); found "
  )
  # a kernel in each scheme but no bias: the bias is the first missing dataset
  _write_h5(path, layers, lambda l: (f'{l}_W_1:0', f'{l}_offset:0'))
  with pytest.raises(
      ValueError, match=r"no dataset 'block1_conv1/kernel:0' .* nor 'block1_conv1_b_1:0'"
  ):
    vgg_weights.load_vgg_params(path, STAGES)
