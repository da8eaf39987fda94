"""ResNet-18/34/50 (notes 4.9) with basic and bottleneck blocks.

A residual block adds its input back before the last ReLU (notes 4.9.1.2):
a[l+2] = g(z[l+2] + a[l]). When the block changes the shape (stride 2 or more
filters), the shortcut needs a W_s (notes 4.9.3): option 'B' is a learned 1x1
projection + BN (torchvision's choice), option 'A' subsamples and pads the new
channels with zeros (parameter-free, He et al.'s CIFAR choice).
`residual=False` drops every shortcut and gives the *plain* twin with exactly
the same layers (notes 4.9.1.1), used to test the 4.9 claim.

Layout and counts follow torchvision (v1.5: the stride sits on the bottleneck's
3x3 conv); at 224x224x3 and 1,000 classes: ResNet-18 11,689,512,
ResNet-34 21,797,672, ResNet-50 25,557,032 parameters. `stem='cifar'` swaps the
7x7/2 conv + max pool for one 3x3/1 conv, the usual ResNet-18 for 32x32 inputs.

BatchNorm is flax's; `impl='auto'` (the default) lets jaxdl.cpu.layers swap
in its CPU variants on the CPU backend, and impl='xla' never does. Values and
variables are the same either way.
"""

import functools
from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.cpu import layers as cpu_layers
from jaxdl.models import pooling

# torchvision: He-normal over fan_out for convs; BN momentum 0.1 in PyTorch's
# convention is 0.9 in flax's (the weight of the old running average).
CONV_INIT = nn.initializers.variance_scaling(2.0, 'fan_out', 'normal')
_SHORTCUTS = ('A', 'B')


def _norm(train: bool, dtype: Any, name: str, zero_scale: bool = False, impl: str = 'auto'):
  # nn.BatchNorm, or on CPU a variant with its variables (jaxdl.cpu.layers).
  return cpu_layers.norm_class(impl)(
      use_running_average=not train,
      momentum=0.9,
      epsilon=1e-5,
      dtype=dtype,
      name=name,
      scale_init=nn.initializers.zeros if zero_scale else nn.initializers.ones,
  )


def _conv(filters: int, kernel: int, strides: int, dtype: Any, name: str):
  # Symmetric padding (k - 1) / 2 as in PyTorch, not XLA's 'SAME' (which pads
  # strided convs asymmetrically and would misalign converted weights).
  p = (kernel - 1) // 2
  return nn.Conv(
      filters,
      (kernel, kernel),
      strides=strides,
      padding=((p, p), (p, p)),
      use_bias=False,
      dtype=dtype,
      kernel_init=CONV_INIT,
      name=name,
  )


def shortcut(
    x: jax.Array, filters: int, strides: int, kind: str, train: bool, dtype: Any, impl: str = 'auto'
) -> jax.Array:
  """The W_s a[l] term of notes 4.9.3, for a block whose shape changes.

  Must be called inside a compact module (it creates the projection layers).
  `impl` is the BatchNorm's (the block has already passed x through
  `cpu_layers.conv_input`).
  """
  if kind == 'A':
    # Zero-padding shortcut: parameter-free; subsample, then pad channels.
    x = x[:, ::strides, ::strides, :]
    extra = filters - x.shape[-1]
    lo = extra // 2
    return jnp.pad(x, ((0, 0), (0, 0), (0, 0), (lo, extra - lo)))
  if kind == 'B':
    x = _conv(filters, 1, strides, dtype, 'proj_conv')(x)
    return _norm(train, dtype, 'proj_bn', impl=impl)(x)
  raise ValueError(f'shortcut must be one of {_SHORTCUTS}, got {kind!r}')


class BasicBlock(nn.Module):
  """Two 3x3 convs (ResNet-18/34, CIFAR ResNets); output has `filters` channels."""

  filters: int  # output channels
  strides: int = 1  # stride of the first conv
  residual: bool = True  # False: the plain twin (no skip connection)
  shortcut: str = 'B'  # 'A' zero-pad | 'B' projection, when the shape changes
  zero_init_residual: bool = False  # last BN scale 0: block starts as identity
  dtype: Any = jnp.float32  # computation dtype
  impl: str = 'auto'  # 'auto' | 'gemm' (CPU variants) | 'xla' (flax); same values
  expansion = 1

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    # x itself, except on CPU (jaxdl.cpu.layers.conv_input).
    conv_in = functools.partial(cpu_layers.conv_input, impl=self.impl)
    x = conv_in(x)
    y = _conv(self.filters, 3, self.strides, self.dtype, 'conv1')(x)
    y = nn.relu(_norm(train, self.dtype, 'bn1', impl=self.impl)(y))
    y = _conv(self.filters, 3, 1, self.dtype, 'conv2')(conv_in(y))
    y = _norm(train, self.dtype, 'bn2', self.zero_init_residual, self.impl)(y)
    if not self.residual:
      return nn.relu(y)
    if x.shape != y.shape:
      x = shortcut(x, self.filters, self.strides, self.shortcut, train, self.dtype, self.impl)
    return nn.relu(y + x)


class Bottleneck(nn.Module):
  """1x1 reduce -> 3x3 -> 1x1 expand (ResNet-50); output has 4 * filters channels."""

  filters: int  # width of the 3x3 conv; output is 4x this
  strides: int = 1  # stride of the 3x3 conv (torchvision v1.5)
  residual: bool = True  # False: the plain twin
  shortcut: str = 'B'  # 'A' zero-pad | 'B' projection, when the shape changes
  zero_init_residual: bool = False  # last BN scale 0: block starts as identity
  dtype: Any = jnp.float32  # computation dtype
  impl: str = 'auto'  # 'auto' | 'gemm' (CPU variants) | 'xla' (flax); same values
  expansion = 4

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    out = self.filters * self.expansion
    norm = functools.partial(_norm, train, self.dtype, impl=self.impl)
    # x itself, except on CPU (jaxdl.cpu.layers.conv_input).
    conv_in = functools.partial(cpu_layers.conv_input, impl=self.impl)
    x = conv_in(x)
    y = _conv(self.filters, 1, 1, self.dtype, 'conv1')(x)
    y = nn.relu(norm('bn1')(y))
    y = _conv(self.filters, 3, self.strides, self.dtype, 'conv2')(conv_in(y))
    y = nn.relu(norm('bn2')(y))
    y = _conv(out, 1, 1, self.dtype, 'conv3')(conv_in(y))
    y = norm('bn3', self.zero_init_residual)(y)
    if not self.residual:
      return nn.relu(y)
    if x.shape != y.shape:
      x = shortcut(x, out, self.strides, self.shortcut, train, self.dtype, self.impl)
    return nn.relu(y + x)


_BLOCKS = {'basic': BasicBlock, 'bottleneck': Bottleneck}


class ResNet(nn.Module):
  """ImageNet-style ResNet: stem, four stages (64..512 filters), GAP, fc."""

  stage_sizes: Sequence[int] = (2, 2, 2, 2)  # blocks per stage (ResNet-18)
  block: str = 'basic'  # 'basic' | 'bottleneck'
  num_classes: int = 1000  # fc outputs
  width: int = 64  # filters of the stem and first stage; doubles per stage
  stem: str = 'imagenet'  # 'imagenet' (7x7/2 + pool) | 'cifar' (3x3/1)
  residual: bool = True  # False: the plain twin
  shortcut: str = 'B'  # 'A' zero-pad | 'B' projection
  zero_init_residual: bool = False  # torchvision's option of the same name
  dtype: Any = jnp.float32  # computation dtype; params stay float32
  impl: str = 'auto'  # 'auto' | 'gemm' (CPU variants) | 'xla' (flax); same values

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    """Maps [batch, H, W, 3] images to [batch, num_classes] float32 logits."""
    if self.block not in _BLOCKS:
      raise ValueError(f'block must be one of {sorted(_BLOCKS)}, got ' f'{self.block!r}')
    x = x.astype(self.dtype)
    if self.stem == 'imagenet':
      x = _conv(self.width, 7, 2, self.dtype, 'conv1')(x)
      x = nn.relu(_norm(train, self.dtype, 'bn1', impl=self.impl)(x))
      x = pooling.MaxPool(3, 2, ((1, 1), (1, 1)), name='maxpool')(x)
    elif self.stem == 'cifar':
      x = _conv(self.width, 3, 1, self.dtype, 'conv1')(x)
      x = nn.relu(_norm(train, self.dtype, 'bn1', impl=self.impl)(x))
    else:
      raise ValueError(f"stem must be 'imagenet' or 'cifar', got " f'{self.stem!r}')
    block = functools.partial(
        _BLOCKS[self.block],
        residual=self.residual,
        shortcut=self.shortcut,
        zero_init_residual=self.zero_init_residual,
        dtype=self.dtype,
        impl=self.impl,
    )
    for i, n in enumerate(self.stage_sizes):
      for j in range(n):
        strides = 2 if i > 0 and j == 0 else 1
        x = block(self.width * 2**i, strides, name=f'layer{i + 1}_{j}')(x, train)
    x = pooling.GlobalAvgPool(name='avgpool')(x)
    x = nn.Dense(self.num_classes, dtype=self.dtype, name='fc')(x)
    return x.astype(jnp.float32)


ResNet18 = functools.partial(ResNet, stage_sizes=(2, 2, 2, 2), block='basic')
ResNet34 = functools.partial(ResNet, stage_sizes=(3, 4, 6, 3), block='basic')
ResNet50 = functools.partial(ResNet, stage_sizes=(3, 4, 6, 3), block='bottleneck')
# ResNet-18 for 32x32 inputs (CIFAR), as in the PyTorch benchmark.
CifarResNet18 = functools.partial(ResNet18, stem='cifar', num_classes=10)
# For tests: one block per stage, 8 base filters.
ResNetTiny = functools.partial(ResNet, stage_sizes=(1, 1, 1, 1), width=8, num_classes=10)
