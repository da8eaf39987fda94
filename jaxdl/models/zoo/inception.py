"""Inception v1 / GoogLeNet with 1x1 reductions, without auxiliary heads (notes 4.10).

An inception module runs four branches side by side and concatenates them on
the channel axis: 1x1; 1x1 -> 3x3; 1x1 -> 5x5; 3x3 max pool -> 1x1. The 1x1
convs in front of the larger kernels shrink the volume's depth first, which
cuts the multiply count (notes 4.10.1).

Layout follows torchvision's GoogLeNet (conv + BN(eps=1e-3) + ReLU units,
ceil-mode pools). torchvision's third branch uses a 3x3 kernel where the paper
has 5x5 (kept there for its pretrained weights); `branch3_kernel=3` reproduces
its 6,624,904 parameters at 224x224x3 / 1,000 classes, `branch3_kernel=5` is
the paper's layer.
"""

import functools
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models import pooling
from jaxdl.models.zoo import resnet

# (name, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj), paper's Table 1.
GOOGLENET_MODULES = (
    ('inception3a', 64, 96, 128, 16, 32, 32),
    ('inception3b', 128, 128, 192, 32, 96, 64),
    ('maxpool3',),
    ('inception4a', 192, 96, 208, 16, 48, 64),
    ('inception4b', 160, 112, 224, 24, 64, 64),
    ('inception4c', 128, 128, 256, 24, 64, 64),
    ('inception4d', 112, 144, 288, 32, 64, 64),
    ('inception4e', 256, 160, 320, 32, 128, 128),
    ('maxpool4',),
    ('inception5a', 256, 160, 320, 32, 128, 128),
    ('inception5b', 384, 192, 384, 48, 128, 128),
)


class ConvBN(nn.Module):
  """conv (no bias) -> BN -> ReLU, torchvision's BasicConv2d."""

  filters: int  # output channels
  kernel: int = 1  # square kernel size
  strides: int = 1  # stride
  dtype: Any = jnp.float32  # computation dtype

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    p = (self.kernel - 1) // 2
    x = nn.Conv(
        self.filters,
        (self.kernel, self.kernel),
        strides=self.strides,
        padding=((p, p), (p, p)),
        use_bias=False,
        dtype=self.dtype,
        kernel_init=resnet.CONV_INIT,
        name='conv',
    )(x)
    x = nn.BatchNorm(
        use_running_average=not train, momentum=0.9, epsilon=1e-3, dtype=self.dtype, name='bn'
    )(x)
    return nn.relu(x)


class InceptionModule(nn.Module):
  """Four parallel branches concatenated on channels (notes 4.10.1)."""

  c1: int  # 1x1 branch filters
  c3_reduce: int  # 1x1 reduction in front of the 3x3
  c3: int  # 3x3 branch filters
  c5_reduce: int  # 1x1 reduction in front of the "5x5"
  c5: int  # "5x5" branch filters
  pool_proj: int  # 1x1 after the 3x3 max pool
  branch3_kernel: int = 3  # torchvision: 3; the paper: 5
  dtype: Any = jnp.float32  # computation dtype

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    """[B, H, W, C] -> [B, H, W, c1 + c3 + c5 + pool_proj]."""
    unit = functools.partial(ConvBN, dtype=self.dtype)
    b1 = unit(self.c1, name='branch1')(x, train)
    b2 = unit(self.c3_reduce, name='branch2_reduce')(x, train)
    b2 = unit(self.c3, 3, name='branch2')(b2, train)
    b3 = unit(self.c5_reduce, name='branch3_reduce')(x, train)
    b3 = unit(self.c5, self.branch3_kernel, name='branch3')(b3, train)
    b4 = pooling.MaxPool(3, 1, ((1, 1), (1, 1)), ceil_mode=True, name='branch4_pool')(x)
    b4 = unit(self.pool_proj, name='branch4')(b4, train)
    return jnp.concatenate([b1, b2, b3, b4], axis=-1)


class GoogLeNet(nn.Module):
  """GoogLeNet (Inception v1) without the auxiliary classifiers."""

  num_classes: int = 1000  # fc outputs
  branch3_kernel: int = 3  # see the module docstring
  width_divisor: int = 1  # divide every channel count (tiny test variants)
  dropout_rate: float = 0.2  # before fc (torchvision)
  dtype: Any = jnp.float32  # computation dtype; params stay float32

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    """Maps [batch, H, W, 3] images to [batch, num_classes] float32 logits."""
    if self.branch3_kernel not in (3, 5):
      raise ValueError(f'branch3_kernel must be 3 or 5, got ' f'{self.branch3_kernel}')
    div = self.width_divisor
    if not isinstance(div, int) or div < 1 or 16 % div:
      raise ValueError(f'width_divisor must divide 16 (1, 2, 4, 8, 16), got ' f'{div}')
    unit = functools.partial(ConvBN, dtype=self.dtype)
    pool = functools.partial(pooling.MaxPool, 3, 2, ceil_mode=True)
    x = x.astype(self.dtype)
    x = unit(64 // div, 7, 2, name='conv1')(x, train)
    x = pool(name='maxpool1')(x)
    x = unit(64 // div, 1, name='conv2')(x, train)
    x = unit(192 // div, 3, name='conv3')(x, train)
    x = pool(name='maxpool2')(x)
    for name, *channels in GOOGLENET_MODULES:
      if name == 'maxpool3':
        x = pool(name=name)(x)
      elif name == 'maxpool4':
        x = pooling.MaxPool(2, 2, ceil_mode=True, name=name)(x)
      else:
        x = InceptionModule(
            *(c // div for c in channels),
            branch3_kernel=self.branch3_kernel,
            dtype=self.dtype,
            name=name,
        )(x, train)
    x = pooling.GlobalAvgPool(name='avgpool')(x)
    x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    x = nn.Dense(self.num_classes, dtype=self.dtype, name='fc')(x)
    return x.astype(jnp.float32)


# For tests: every layer, a sixteenth of the channels.
GoogLeNetTiny = functools.partial(GoogLeNet, width_divisor=16, num_classes=10)
