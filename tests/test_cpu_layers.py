"""jaxdl.cpu's switch and layer hook: what each impl gives, and the same variables."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import pytest

from jaxdl import cpu
from jaxdl.cpu import banded_conv, batch_norm, host_memory, layers, patch_conv
from jaxdl.models.zoo import cifar_resnet, lenet, resnet


def test_conv_class_by_name():
  assert layers.conv_class('xla') is nn.Conv
  assert layers.conv_class('patches') is patch_conv.PatchConv
  assert layers.conv_class('banded') is banded_conv.BandedConv
  assert layers.conv_class('auto') is (banded_conv.BandedConv if layers.on_cpu() else nn.Conv)
  with pytest.raises(ValueError, match='conv_impl'):
    layers.conv_class('fft')


def test_norm_class_by_name():
  assert layers.norm_class('xla') is nn.BatchNorm
  gemm = layers.norm_class('gemm')
  assert gemm.func is batch_norm.BatchNorm and gemm.keywords == {'stats': 'gemm'}
  auto = layers.norm_class('auto')
  assert (auto.func is batch_norm.BatchNorm) if layers.on_cpu() else (auto is nn.BatchNorm)
  with pytest.raises(ValueError, match='impl must be one of'):
    layers.norm_class('fast')
  with pytest.raises(ValueError, match='impl must be one of'):
    layers.conv_input(jnp.ones((1, 4, 4, 64)), 'fast')
  x = jnp.ones((1, 4, 4, 64))
  assert layers.conv_input(x, 'xla') is x


_NORMS, _CONVS = ('auto', 'gemm', 'xla'), ('auto', 'xla', 'patches', 'banded')


@pytest.mark.parametrize(
    'make,impls,shape',
    [
        (lambda impl: resnet.ResNetTiny(impl=impl), _NORMS, (2, 32, 32, 3)),
        (lambda impl: cifar_resnet.CifarResNet(8, impl=impl), _NORMS, (2, 32, 32, 3)),
        (lambda impl: lenet.LeNet5(conv_impl=impl), _CONVS, (2, 32, 32, 1)),
    ],
)
def test_every_impl_has_the_same_variables(make, impls, shape):
  x = jnp.zeros(shape)
  trees = [
      jax.tree.map(jnp.shape, jax.eval_shape(make(i).init, jax.random.key(0), x)) for i in impls
  ]
  assert all(t == trees[0] for t in trees[1:])


def test_tune_process_opted_out_changes_nothing():
  env = {'XLA_FLAGS': '--a=1', 'JAXDL_XLA_CPU_TUNING': '0', 'JAXDL_MALLOC_TUNING': '0'}
  assert cpu.tune_process(env) == cpu.Tuning(False, host_memory.UNTOUCHED)
  assert env['XLA_FLAGS'] == '--a=1'
