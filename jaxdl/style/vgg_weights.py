"""Published VGG-19 weights -> flax params of jaxdl.models.zoo.vgg (notes 4.14: "use a pre-trained ConvNet").

Two published layouts, read from a local file the user supplies (nothing is
downloaded here):

* Keras (`vgg19_weights_tf_dim_ordering_tf_kernels[_notop].h5`): one HDF5
  group per layer, `block{s}_conv{i}` and `fc1`, `fc2`, `predictions`, each
  holding the kernel and bias under one of two naming schemes: Keras 2's
  `block1_conv1/kernel:0`, `block1_conv1/bias:0`, or the Keras 1 names of the
  first published files, `block1_conv1_W_1:0`, `block1_conv1_b_1:0` (older
  still `block1_conv1_W:0`). Kernels are already [kh, kw, in, out] and
  the flatten before fc1 is (H, W, C), as in flax. Keras' VGG expects "caffe"
  input: BGR, 0-255, ImageNet mean subtracted.
* torchvision (`vgg19-dcbb9e9d.pth`) saved as `.npz` (torch is not a
  dependency): `features.{k}.weight` [out, in, kh, kw] for the k-th module of
  the features Sequential, `classifier.{0,3,6}.weight` [out, in]. fc6's
  input is flattened as (C, H, W), so its rows are permuted to (H, W, C).
  torchvision's VGG expects RGB in [0, 1] normalised by the ImageNet
  mean/std. Convert a .pth once, where torch is installed:
    python -c "import torch, numpy as np; sd = torch.load('vgg19-dcbb9e9d.pth');
               np.savez('vgg19.npz', **{k: v.numpy() for k, v in sd.items()})"

Layer widths are read from the arrays, so the same code converts the full
network and the tiny test variants.
"""

import re
from typing import Mapping

from absl import logging
import numpy as np

VGG19_STAGES = (2, 2, 4, 4, 4)  # convs per stage
_CAFFE_BGR_MEAN = np.array([103.939, 116.779, 123.68], np.float32)
_TORCH_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_TORCH_STD = np.array([0.229, 0.224, 0.225], np.float32)


def conv_names(stage_sizes=VGG19_STAGES) -> list[str]:
  """flax conv names in forward order: conv1_1, conv1_2, conv2_1, ..."""
  return [f'conv{s}_{i}' for s, n in enumerate(stage_sizes, 1) for i in range(1, n + 1)]


def torchvision_feature_indices(stage_sizes=VGG19_STAGES) -> list[int]:
  """Index of each conv in torchvision's `features` Sequential (conv, ReLU, ..., pool)."""
  idx, k = [], 0
  for n in stage_sizes:
    for _ in range(n):
      idx.append(k)
      k += 2  # Conv2d then ReLU
    k += 1  # MaxPool2d
  return idx


def _fc6_chw_to_hwc(w: np.ndarray, channels: int) -> np.ndarray:
  """torchvision fc weight [out, C*H*W] -> flax kernel [H*W*C, out]."""
  out, fan_in = w.shape
  hw = fan_in // channels
  side = int(round(np.sqrt(hw)))
  if side * side * channels != fan_in:
    raise ValueError(f'fc6 input {fan_in} is not C * H * W with C = {channels} and H = W')
  return w.reshape(out, channels, side, side).transpose(2, 3, 1, 0).reshape(fan_in, out)


def from_torchvision(state: Mapping[str, np.ndarray], stage_sizes=VGG19_STAGES) -> dict:
  """torchvision VGG state dict (numpy arrays) -> flax params.

  Args:
    state: {'features.0.weight': [out, in, 3, 3], 'features.0.bias': [out], ...,
      optionally 'classifier.{0,3,6}.weight/bias'}.
    stage_sizes: convs per stage (VGG-19: (2, 2, 4, 4, 4)).

  Returns:
    {'conv1_1': {'kernel': [3, 3, in, out], 'bias': [out]}, ..., and 'fc6',
    'fc7', 'fc8' when the classifier is present}: a VGG(...) 'params' tree.
  """
  params = {}
  for name, k in zip(conv_names(stage_sizes), torchvision_feature_indices(stage_sizes)):
    key = f'features.{k}.weight'
    if key not in state:
      raise ValueError(
          f'state dict lacks {key!r} for {name}; is this a torchvision VGG with '
          f'stage_sizes={tuple(stage_sizes)}? keys start {sorted(state)[:4]}'
      )
    w = np.asarray(state[key], np.float32)
    if w.ndim != 4:
      raise ValueError(f'{key} must be [out, in, kh, kw], got shape {w.shape}')
    params[name] = {
        'kernel': w.transpose(2, 3, 1, 0),
        'bias': np.asarray(state[f'features.{k}.bias'], np.float32),
    }
  if 'classifier.0.weight' in state:
    last_width = params[conv_names(stage_sizes)[-1]]['bias'].shape[0]
    params['fc6'] = {
        'kernel': _fc6_chw_to_hwc(np.asarray(state['classifier.0.weight'], np.float32), last_width),
        'bias': np.asarray(state['classifier.0.bias'], np.float32),
    }
    for flax_name, k in (('fc7', 3), ('fc8', 6)):
      params[flax_name] = {
          'kernel': np.asarray(state[f'classifier.{k}.weight'], np.float32).T,
          'bias': np.asarray(state[f'classifier.{k}.bias'], np.float32),
      }
  return params


KERAS2, KERAS1 = 'keras2 (kernel:0, bias:0)', 'keras1 (<layer>_W_1:0, <layer>_b_1:0)'
# Keras 1 dataset names: <layer>_W[_<n>]:<k> for the kernel, <layer>_b[_<n>]:<k> for the bias.
_KERAS1_NAME = re.compile(r'^(?:.*_)?(W|b)(?:_\d+)?:\d+$')


def _keras_layer_weights(group, layer: str) -> tuple[np.ndarray, np.ndarray, str]:
  """(kernel, bias, naming scheme) of one Keras layer group, by the file's own weight_names."""
  names = [
      n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs.get('weight_names', [])
  ]
  if not names:  # files written without the attribute: walk the datasets
    found = []
    group.visititems(lambda n, obj: found.append(n) if hasattr(obj, 'shape') else None)
    names = sorted(found)
  leaf = lambda n: n.split('/')[-1]
  keras2 = {leaf(n).split(':')[0]: n for n in names}
  keras1 = {}
  for n in names:
    m = _KERAS1_NAME.match(leaf(n))
    if m:
      keras1.setdefault({'W': 'kernel', 'b': 'bias'}[m.group(1)], n)
  for scheme, found in ((KERAS2, keras2), (KERAS1, keras1)):
    if 'kernel' in found and 'bias' in found:
      return (
          np.asarray(group[found['kernel']], np.float32),
          np.asarray(group[found['bias']], np.float32),
          scheme,
      )
  missing2 = next(f'{layer}/{w}:0' for w in ('kernel', 'bias') if w not in keras2)
  missing1 = next(
      f'{layer}_{w}_1:0' for w, k in (('W', 'kernel'), ('b', 'bias')) if k not in keras1
  )
  raise ValueError(
      f'Keras layer {group.name} has no dataset {missing2!r} (Keras 2 names) '
      f'nor {missing1!r} (Keras 1 names); found {names}'
  )


def from_keras_h5(path: str, stage_sizes=VGG19_STAGES) -> dict:
  """Keras VGG-19 weights file (.h5) -> flax params.

  Reads either dataset naming scheme (module docstring) and logs which one it
  found.

  Args:
    path: Keras `vgg19_weights_tf_dim_ordering_tf_kernels[_notop].h5`.
    stage_sizes: convs per stage.

  Returns:
    flax params: conv1_1 ... conv5_4 (+ fc6, fc7, fc8 when the file has the top).
  """
  import h5py  # deferred: only needed when a Keras file is given

  params, schemes = {}, set()
  with h5py.File(path, 'r') as f:
    root = f['model_weights'] if 'model_weights' in f else f  # full-model saves nest weights
    for s, n in enumerate(stage_sizes, 1):
      for i in range(1, n + 1):
        keras_name = f'block{s}_conv{i}'
        if keras_name not in root:
          raise ValueError(
              f'{path} has no layer {keras_name!r} (layers: {sorted(root)[:6]}...); '
              'expected the Keras VGG19 layout'
          )
        kernel, bias, scheme = _keras_layer_weights(root[keras_name], keras_name)
        params[f'conv{s}_{i}'] = {'kernel': kernel, 'bias': bias}
        schemes.add(scheme)
    for keras_name, flax_name in (('fc1', 'fc6'), ('fc2', 'fc7'), ('predictions', 'fc8')):
      if keras_name in root:
        kernel, bias, scheme = _keras_layer_weights(root[keras_name], keras_name)
        params[flax_name] = {'kernel': kernel, 'bias': bias}
        schemes.add(scheme)
  logging.info(
      'Keras VGG weights %s: %d layers, dataset names in the %s scheme',
      path,
      len(params),
      ' + '.join(sorted(schemes)),
  )
  return params


def load_vgg_params(path: str, stage_sizes=VGG19_STAGES) -> tuple[dict, str]:
  """Reads a weights file by extension.

  Args:
    path: '.h5' (Keras layout) or '.npz' (torchvision state dict as numpy).
    stage_sizes: convs per stage.

  Returns:
    (flax params, preprocessing name 'caffe' | 'torch' the weights expect).
  """
  if path.endswith(('.h5', '.hdf5')):
    return from_keras_h5(path, stage_sizes), 'caffe'
  if path.endswith('.npz'):
    with np.load(path) as z:
      return from_torchvision({k: z[k] for k in z.files}, stage_sizes), 'torch'
  raise ValueError(f"weights path must end in '.h5' (Keras) or '.npz' (torchvision), got {path!r}")


def preprocess(images, mode: str):
  """RGB images in [0, 1] -> the input the weights were trained on.

  Args:
    images: [..., H, W, 3] RGB in [0, 1] (numpy or jax).
    mode: 'caffe' (BGR, 0-255, mean-subtracted: Keras), 'torch' (ImageNet
      mean/std: torchvision) or 'none' (unchanged, e.g. random weights).
  """
  if mode == 'caffe':
    return images[..., ::-1] * 255.0 - _CAFFE_BGR_MEAN
  if mode == 'torch':
    return (images - _TORCH_MEAN) / _TORCH_STD
  if mode == 'none':
    return images
  raise ValueError(f"mode must be 'caffe', 'torch' or 'none', got {mode!r}")
