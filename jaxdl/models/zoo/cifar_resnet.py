"""CIFAR ResNets of depth 6n + 2 and their plain twins (notes 4.9; He et al. 2016, sec. 4.2).

A 3x3 conv with 16 filters, three stages of n basic blocks with 16, 32 and 64
filters (the first block of stages 2 and 3 halves the map with stride 2), global
average pooling and a 10-way fc. The shortcut across a shape change is option
'A' (subsample + zero-pad channels, no parameters), so the residual net and its
plain twin (`residual=False`, notes 4.9.1.1) have *identical* parameter counts:
ResNet-20 has 269,722 and ResNet-56 has 853,018 at 10 classes.
"""

import functools
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.cpu import layers as cpu_layers
from jaxdl.models import pooling
from jaxdl.models.zoo import resnet


class CifarResNet(nn.Module):
  """ResNet-(6n+2) for 32x32 inputs; `residual=False` is the plain twin."""

  depth: int = 20  # 6n + 2 weighted layers: 20, 32, 44, 56, 110, ...
  num_classes: int = 10  # fc outputs
  width: int = 16  # filters of the first stage; doubles per stage
  residual: bool = True  # False: same layers, no skip connections
  shortcut: str = 'A'  # 'A' zero-pad (paper) | 'B' projection
  dtype: Any = jnp.float32  # computation dtype; params stay float32
  impl: str = 'auto'  # 'auto' | 'gemm' | 'xla': see jaxdl.models.zoo.resnet

  @nn.compact
  def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
    """Maps [batch, 32, 32, C] images to [batch, num_classes] float32 logits."""
    if self.depth < 8 or (self.depth - 2) % 6:
      raise ValueError(
          f'depth must be 6n + 2 with n >= 1 (8, 14, 20, 56, ...)' f', got {self.depth}'
      )
    n = (self.depth - 2) // 6
    x = x.astype(self.dtype)
    x = nn.Conv(
        self.width,
        (3, 3),
        padding=((1, 1), (1, 1)),
        use_bias=False,
        dtype=self.dtype,
        kernel_init=resnet.CONV_INIT,
        name='conv1',
    )(x)
    x = cpu_layers.norm_class(self.impl)(
        use_running_average=not train, momentum=0.9, epsilon=1e-5, dtype=self.dtype, name='bn1'
    )(x)
    x = nn.relu(x)
    for i in range(3):
      for j in range(n):
        x = resnet.BasicBlock(
            self.width * 2**i,
            2 if i > 0 and j == 0 else 1,
            residual=self.residual,
            shortcut=self.shortcut,
            dtype=self.dtype,
            impl=self.impl,
            name=f'layer{i + 1}_{j}',
        )(x, train)
    x = pooling.GlobalAvgPool(name='avgpool')(x)
    x = nn.Dense(self.num_classes, dtype=self.dtype, name='fc')(x)
    return x.astype(jnp.float32)


ResNet20 = functools.partial(CifarResNet, depth=20)
ResNet56 = functools.partial(CifarResNet, depth=56)
PlainNet20 = functools.partial(CifarResNet, depth=20, residual=False)
PlainNet56 = functools.partial(CifarResNet, depth=56, residual=False)
