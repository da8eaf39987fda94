"""The zoo (notes 4.8-4.10): exact parameter counts, output shapes, train/eval, dtype.

Reference counts are computed here, independently of flax, from the layer
shapes of each architecture (torchvision's layouts; BN has 2 parameters per
channel, its running statistics are buffers), and must also equal the
published torchvision figures.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxdl.models import registry
from jaxdl.models.zoo import (alexnet, cifar_resnet, inception, lenet, resnet, vgg)


def numpy_variables(model, x, seed=0):
  """Variables with numpy-drawn values: init's shapes without compiling init.

  Compiling a flax init (one threefry draw per kernel) takes minutes on a
  loaded CPU; the tests need any reasonable values, not flax's draws.
  """
  abstract = jax.eval_shape(lambda: model.init(jax.random.key(0), x))
  rng = np.random.default_rng(seed)

  def fill(path, leaf):
    name = path[-1].key
    if name == 'kernel':
      fan_in = int(np.prod(leaf.shape[:-1]))
      return jnp.asarray(rng.normal(size=leaf.shape) / np.sqrt(fan_in), jnp.float32)
    if name in ('scale', 'var'):
      return jnp.ones(leaf.shape, jnp.float32)
    return jnp.asarray(0.1 * rng.normal(size=leaf.shape), jnp.float32)

  return jax.tree_util.tree_map_with_path(fill, abstract)


def _count(model, shape):
  variables = jax.eval_shape(lambda: model.init(jax.random.key(0), jnp.zeros(shape)))
  return sum(int(np.prod(v.shape)) for v in jax.tree.leaves(variables['params']))


# ---- independent references, from layer shapes -------------------------
def conv(k, cin, cout, bias=True):
  return k * k * cin * cout + (cout if bias else 0)


def fc(nin, nout):
  return nin * nout + nout


def conv_bn(k, cin, cout):
  return conv(k, cin, cout, bias=False) + 2 * cout


def ref_vgg(stages):
  total, cin = 0, 3
  for n, w in zip(stages, (64, 128, 256, 512, 512)):
    for _ in range(n):
      total, cin = total + conv(3, cin, w), w
  return total + fc(7 * 7 * 512, 4096) + fc(4096, 4096) + fc(4096, 1000)


def ref_alexnet():
  return (
      conv(11, 3, 64)
      + conv(5, 64, 192)
      + conv(3, 192, 384)
      + conv(3, 384, 256)
      + conv(3, 256, 256)
      + fc(6 * 6 * 256, 4096)
      + fc(4096, 4096)
      + fc(4096, 1000)
  )


def ref_resnet(stages, bottleneck, classes=1000, stem=7, cin=3):
  total = conv_bn(stem, cin, 64)
  cin = 64
  for i, n in enumerate(stages):
    c = 64 * 2**i
    for j in range(n):
      stride = 2 if i > 0 and j == 0 else 1
      if bottleneck:
        out = 4 * c
        total += conv_bn(1, cin, c) + conv_bn(3, c, c) + conv_bn(1, c, out)
      else:
        out = c
        total += conv_bn(3, cin, c) + conv_bn(3, c, c)
      if stride != 1 or cin != out:
        total += conv_bn(1, cin, out)  # projection shortcut W_s
      cin = out
  return total + fc(cin, classes)


def ref_googlenet(k3=3):
  total = conv_bn(7, 3, 64) + conv_bn(1, 64, 64) + conv_bn(3, 64, 192)
  cin = 192
  for spec in inception.GOOGLENET_MODULES:
    if len(spec) == 1:
      continue
    _, c1, r3, c3, r5, c5, pp = spec
    total += (
        conv_bn(1, cin, c1)
        + conv_bn(1, cin, r3)
        + conv_bn(3, r3, c3)
        + conv_bn(1, cin, r5)
        + conv_bn(k3, r5, c5)
        + conv_bn(1, cin, pp)
    )
    cin = c1 + c3 + c5 + pp
  return total + fc(cin, 1000)


def ref_cifar_resnet(n):
  total, cin = conv_bn(3, 3, 16), 16
  for c in (16, 32, 64):
    for _ in range(n):
      total, cin = total + conv_bn(3, cin, c) + conv_bn(3, c, c), c
  return total + fc(64, 10)  # option A shortcuts have no parameters


IMAGENET = (1, 224, 224, 3)


@pytest.mark.parametrize(
    'model,reference,published',
    [
        (vgg.VGG16(), ref_vgg((2, 2, 3, 3, 3)), 138_357_544),
        (vgg.VGG19(), ref_vgg((2, 2, 4, 4, 4)), 143_667_240),
        (alexnet.AlexNet(), ref_alexnet(), 61_100_840),
        (resnet.ResNet18(), ref_resnet((2, 2, 2, 2), False), 11_689_512),
        (resnet.ResNet34(), ref_resnet((3, 4, 6, 3), False), 21_797_672),
        (resnet.ResNet50(), ref_resnet((3, 4, 6, 3), True), 25_557_032),
        (inception.GoogLeNet(), ref_googlenet(), 6_624_904),
    ],
    ids=['vgg16', 'vgg19', 'alexnet', 'resnet18', 'resnet34', 'resnet50', 'googlenet'],
)
def test_imagenet_counts_equal_torchvision(model, reference, published):
  assert reference == published
  assert _count(model, IMAGENET) == published


def test_small_model_counts():
  # notes 4.8.1 LeNet-5: 156 + 2,416 + 48,120 + 10,164 + 850.
  assert _count(lenet.LeNet5(), (1, 32, 32, 1)) == 61_706
  assert (conv(5, 1, 6) + conv(5, 6, 16) + fc(400, 120) + fc(120, 84) + fc(84, 10)) == 61_706
  # CIFAR ResNet-18 (3x3 stem, 10 classes): the benchmark's model.
  assert (
      _count(resnet.CifarResNet18(), (1, 32, 32, 3))
      == ref_resnet((2, 2, 2, 2), False, classes=10, stem=3)
      == 11_173_962
  )
  # He et al.'s CIFAR nets, and their plain twins have the same count.
  for depth, n in ((20, 3), (56, 9)):
    want = ref_cifar_resnet(n)
    assert _count(cifar_resnet.CifarResNet(depth), (1, 32, 32, 3)) == want
    assert _count(cifar_resnet.CifarResNet(depth, residual=False), (1, 32, 32, 3)) == want
  assert ref_cifar_resnet(3) == 269_722  # the paper's "0.27M"
  # The paper's 5x5 third branch.
  assert _count(inception.GoogLeNet(branch3_kernel=5), IMAGENET) == ref_googlenet(5)


@pytest.mark.parametrize(
    'name,model,shape',
    [
        ('lenet', lenet.LeNet5(), (2, 32, 32, 1)),
        ('lenet_tanh_avg', lenet.LeNet5(activation='tanh', pool='avg'), (2, 32, 32, 1)),
        ('lenet_patches', lenet.LeNet5(conv_impl='patches'), (2, 32, 32, 1)),
        ('alexnet', alexnet.AlexNetTiny(), (2, 64, 64, 3)),
        ('vgg', vgg.VGG19Tiny(), (2, 32, 32, 3)),
        ('resnet_basic', resnet.ResNetTiny(), (2, 32, 32, 3)),
        ('resnet_bottleneck', resnet.ResNetTiny(block='bottleneck'), (2, 32, 32, 3)),
        ('resnet_cifar_stem', resnet.ResNetTiny(stem='cifar'), (2, 16, 16, 3)),
        ('googlenet', inception.GoogLeNetTiny(), (2, 32, 32, 3)),
        ('cifar_resnet8', cifar_resnet.CifarResNet(8, width=4), (2, 16, 16, 3)),
        ('plain8', cifar_resnet.CifarResNet(8, width=4, residual=False), (2, 16, 16, 3)),
    ],
)
def test_forward_shapes_and_finite(name, model, shape):
  x = jax.random.uniform(jax.random.key(1), shape)
  out = jax.eval_shape(lambda: model.init_with_output(jax.random.key(0), x))[0]
  assert out.shape == (shape[0], 10) and out.dtype == jnp.float32
  if name == 'googlenet':
    return  # shapes only: its modules are run in test_inception_module_concat
  logits = jax.jit(model.apply)(numpy_variables(model, x), x)
  assert logits.shape == (shape[0], 10)
  assert np.all(np.isfinite(logits))


def test_train_flag_switches_batchnorm_and_dropout():
  x = jax.random.normal(jax.random.key(1), (4, 16, 16, 3))
  model = resnet.ResNetTiny()
  variables = numpy_variables(model, x)
  apply = jax.jit(model.apply, static_argnames=('train', 'mutable'))
  _, upd = apply(variables, x, train=True, mutable=('batch_stats',))
  moved = jax.tree.map(
      lambda a, b: bool(np.any(a != b)), variables['batch_stats'], upd['batch_stats']
  )
  assert all(jax.tree.leaves(moved))
  # Eval mode uses the running averages and is deterministic.
  np.testing.assert_array_equal(apply(variables, x), apply(variables, x))
  # Dropout: two rngs give different train outputs.
  # 32 x 32, not 16 x 16: five 2 x 2 pools of a 16 x 16 input end on a 1 x 1 map
  # that the last pool cannot cover (pooling now raises instead of returning 0 x 0).
  x = jax.random.normal(jax.random.key(1), (4, 32, 32, 3))
  m = vgg.VGG19Tiny(dropout_rate=0.5)
  v = numpy_variables(m, x)
  run = jax.jit(lambda r: m.apply(v, x, train=True, rngs={'dropout': r}))
  assert not np.allclose(run(jax.random.key(1)), run(jax.random.key(2)))


def test_bf16_compute_keeps_float32_params():
  x = jax.random.uniform(jax.random.key(1), (2, 32, 32, 3))
  f32 = resnet.ResNetTiny()
  bf16 = resnet.ResNetTiny(dtype=jnp.bfloat16)
  v16 = jax.eval_shape(lambda: bf16.init(jax.random.key(0), x))
  assert all(p.dtype == jnp.float32 for p in jax.tree.leaves(v16['params']))
  v = numpy_variables(f32, x)
  out16 = jax.jit(bf16.apply)(v, x)
  assert out16.dtype == jnp.float32
  out32 = jax.jit(f32.apply)(v, x)
  # bf16 keeps ~3 significant digits; the two must agree to that level.
  np.testing.assert_allclose(out16, out32, rtol=0.05, atol=0.05 * float(np.abs(out32).max()))


def test_residual_block_can_be_identity():
  # notes 4.9.2: with the block's last layer at zero, a[l+2] = g(a[l]) = a[l]
  # for a[l] >= 0 (it came out of a ReLU); the plain block outputs g(0) = 0.
  x = jax.random.uniform(jax.random.key(1), (2, 8, 8, 4))
  for residual, want in ((True, x), (False, jnp.zeros_like(x))):
    block = resnet.BasicBlock(4, residual=residual, zero_init_residual=True)
    # An rbg key: compiling flax's init over threefry keys is the slow part.
    v = jax.jit(block.init)(jax.random.key(0, impl='unsafe_rbg'), x)
    np.testing.assert_allclose(jax.jit(block.apply)(v, x), want, atol=1e-6)


def test_zero_padding_shortcut():
  # notes 4.9.3: W_s as zero padding; stride 2 subsamples, new channels are 0.
  x = jax.random.normal(jax.random.key(1), (1, 4, 4, 2))
  y = resnet.shortcut(x, 6, 2, 'A', False, jnp.float32)
  assert y.shape == (1, 2, 2, 6)
  np.testing.assert_array_equal(y[..., 2:4], x[:, ::2, ::2, :])
  np.testing.assert_array_equal(y[..., :2], 0.0)
  np.testing.assert_array_equal(y[..., 4:], 0.0)
  with pytest.raises(ValueError, match='shortcut'):
    resnet.shortcut(x, 6, 2, 'C', False, jnp.float32)


def test_plain_twin_has_identical_layers():
  x = jnp.ones((1, 16, 16, 3))
  res = cifar_resnet.CifarResNet(14, width=4)
  plain = cifar_resnet.CifarResNet(14, width=4, residual=False)
  pv = jax.eval_shape(lambda: plain.init(jax.random.key(0), x))
  v = numpy_variables(res, x)
  assert jax.tree.map(lambda a: a.shape, v) == jax.tree.map(lambda a: a.shape, pv)
  # Same weights, different function: the skips matter.
  assert not np.allclose(jax.jit(res.apply)(v, x), jax.jit(plain.apply)(v, x))


def test_vgg_capture_by_name():
  x = jax.random.uniform(jax.random.key(1), (2, 32, 32, 3))
  model = vgg.VGG19Tiny(pool='avg')
  v = numpy_variables(model, x)
  feats = jax.jit(lambda v, x: model.apply(v, x, capture=('conv1_1', 'pool2', 'conv5_4', 'fc7')))(
      v, x
  )
  assert set(feats) == {'conv1_1', 'pool2', 'conv5_4', 'fc7'}
  assert feats['pool2'].shape == (2, 8, 8, 8)
  assert feats['conv5_4'].shape == (2, 2, 2, 16)
  # conv1_1 is relu(x * W + b), checked with lax directly.
  p = v['params']['conv1_1']
  want = jax.nn.relu(
      jax.lax.conv_general_dilated(
          x, p['kernel'], (1, 1), ((1, 1), (1, 1)), dimension_numbers=('NHWC', 'HWIO', 'NHWC')
      )
      + p['bias']
  )
  np.testing.assert_allclose(feats['conv1_1'], want, rtol=1e-5, atol=1e-5)
  # A feature extractor needs no top; names match the paper's layers.
  names = vgg.vgg_layer_names((2, 2, 4, 4, 4), include_top=False)
  assert names[:3] == ('conv1_1', 'conv1_2', 'pool1')
  assert names[-2:] == ('conv5_4', 'pool5') and len(names) == 21
  conv_names = {k for k in v['params'] if k.startswith('conv')}
  assert conv_names == {n for n in names if n.startswith('conv')}
  # 'max' and 'avg' pools differ.
  mx = vgg.VGG19Tiny(pool='max').apply(v, x, capture='pool1')['pool1']
  av = model.apply(v, x, capture='pool1')['pool1']
  assert mx.shape == av.shape == (2, 16, 16, 4)
  assert np.all(mx >= av - 1e-6) and not np.allclose(mx, av)


@pytest.mark.parametrize(
    'model,match',
    [
        (vgg.VGG19Tiny(pool='median'), 'pool'),
        (lenet.LeNet5(activation='gelu'), 'activation'),
        (lenet.LeNet5(conv_impl='fft'), 'conv_impl'),
        (resnet.ResNetTiny(block='wide'), 'block'),
        (resnet.ResNetTiny(stem='tiny'), 'stem'),
        (cifar_resnet.CifarResNet(21), 'depth'),
        (inception.GoogLeNet(branch3_kernel=7), 'branch3_kernel'),
    ],
)
def test_bad_fields_raise(model, match):
  with pytest.raises(ValueError, match=match):
    jax.eval_shape(lambda: model.init(jax.random.key(0), jnp.zeros((1, 32, 32, 3))))


def test_vgg_unknown_capture_raises():
  model = vgg.VGG19Tiny()
  v = numpy_variables(model, jnp.zeros((1, 32, 32, 3)))
  with pytest.raises(ValueError, match='conv6_1'):
    model.apply(v, jnp.zeros((1, 32, 32, 3)), capture=['conv6_1'])


@pytest.mark.parametrize(
    'name', ['lenet5', 'resnet20', 'plain20', 'cifar_resnet18', 'googlenet', 'vgg19']
)
def test_registry_names(name):
  model = registry.build_model(name, num_classes=7)
  assert model.num_classes == 7


def test_lenet_patch_convs_compute_the_same_function():
  x = jax.random.uniform(jax.random.key(1), (3, 32, 32, 1))
  v = numpy_variables(lenet.LeNet5(), x)
  np.testing.assert_allclose(
      jax.jit(lenet.LeNet5(conv_impl='patches').apply)(v, x),
      jax.jit(lenet.LeNet5(conv_impl='xla').apply)(v, x),
      rtol=1e-4,
      atol=1e-4,
  )


def test_inception_module_concat():
  # notes 4.10.1: four branches side by side, concatenated on channels; the
  # first c1 channels are the 1x1 branch alone.
  x = jax.random.normal(jax.random.key(1), (2, 8, 8, 4))
  module = inception.InceptionModule(2, 3, 4, 2, 5, 3)
  v = numpy_variables(module, x)
  out = jax.jit(module.apply)(v, x)
  assert out.shape == (2, 8, 8, 2 + 4 + 5 + 3)
  unit = inception.ConvBN(2)
  branch1 = {'params': v['params']['branch1'], 'batch_stats': v['batch_stats']['branch1']}
  np.testing.assert_allclose(out[..., :2], unit.apply(branch1, x), rtol=1e-5, atol=1e-5)
  assert np.all(np.asarray(out) >= 0)  # every branch ends in a ReLU
