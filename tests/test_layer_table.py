"""Layer table (notes 4.7) against the hand-made LeNet-5 table and model totals."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.models import layer_table as lt
from jaxdl.models.zoo import inception, lenet, resnet, vgg


def test_lenet_table_by_hand():
  rows = lt.layer_table(lenet.LeNet5(), (1, 32, 32, 1))
  # The notes' table: layer, activation shape, activation size, parameters.
  want = [
      ('input', (32, 32, 1), 1024, 0),
      ('conv1', (28, 28, 6), 4704, 5 * 5 * 1 * 6 + 6),
      ('pool1', (14, 14, 6), 1176, 0),
      ('conv2', (10, 10, 16), 1600, 5 * 5 * 6 * 16 + 16),
      ('pool2', (5, 5, 16), 400, 0),
      ('fc1', (120,), 120, 400 * 120 + 120),
      ('fc2', (84,), 84, 120 * 84 + 84),
      ('fc3', (10,), 10, 84 * 10 + 10),
  ]
  assert [(r.name, r.shape, r.size, r.params) for r in rows] == want
  assert lt.total_params(rows) == 61_706
  text = lt.format_layer_table(rows)
  assert text.splitlines()[0].split() == [
      'layer',
      'activation',
      'shape',
      'activation',
      'size',
      'params',
  ]
  assert text.splitlines()[-1].split() == ['total', '61,706']
  assert '28x28x6' in text


def _all_params(model, shape):
  v = jax.eval_shape(lambda: model.init(jax.random.key(0), jnp.zeros(shape)))
  return sum(int(np.prod(a.shape)) for a in jax.tree.leaves(v['params']))


@pytest.mark.parametrize(
    'model,shape',
    [
        (resnet.ResNetTiny(block='bottleneck'), (1, 32, 32, 3)),
        (inception.GoogLeNetTiny(), (1, 32, 32, 3)),
    ],
)
def test_nested_models_count_each_parameter_once(model, shape):
  rows = lt.layer_table(model, shape)
  assert lt.total_params(rows) == _all_params(model, shape)
  names = [r.name for r in rows]
  assert len(names) == len(set(names))  # leaf layers only, once each
  assert all(r.size == int(np.prod(r.shape)) for r in rows)


def test_resnet_nested_names_and_shapes():
  rows = {r.name: r for r in lt.layer_table(resnet.ResNet18(), (1, 224, 224, 3))}
  assert rows['maxpool'].shape == (56, 56, 64)
  assert rows['layer2_0/conv1'].shape == (28, 28, 128)
  assert rows['layer2_0/proj_conv'].params == 64 * 128
  assert rows['fc'].shape == (1000,)


def test_vgg16_at_imagenet_shape():
  rows = lt.layer_table(vgg.VGG16(), (1, 224, 224, 3))
  by_name = {r.name: r for r in rows}
  # Dimension goes down, filters go up (notes 4.8.3).
  assert by_name['conv1_1'].shape == (224, 224, 64)
  assert by_name['pool5'].shape == (7, 7, 512)
  assert by_name['pool5'].size == 25_088
  assert by_name['fc6'].params == 25_088 * 4096 + 4096
  assert lt.total_params(rows) == 138_357_544


def test_bad_input_shape_raises():
  with pytest.raises(ValueError, match='input_shape'):
    lt.layer_table(lenet.LeNet5(), (1, 0, 32, 1))
  with pytest.raises(ValueError, match='input_shape'):
    lt.layer_table(lenet.LeNet5(), (32,))
