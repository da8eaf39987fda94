"""VGG-16 and VGG-19 (notes 4.8.3: uniform 3x3 convs, dimension down, filters up).

Layers are named as in the paper and in the style-transfer literature
(conv1_1 ... conv5_4, pool1 ... pool5, fc6, fc7, fc8), so a feature extractor
can ask for activations by name:

  model = VGG19(include_top=False, pool='avg')
  variables = model.init(rng, images)
  feats = model.apply(variables, images, capture=('conv1_1', 'conv4_2'))
  # feats['conv4_2']: [batch, H/8, W/8, 512], taken after the ReLU.

With `capture` the forward pass stops after the last requested layer, so
asking for early layers costs only those layers. At 224x224x3 and 1,000
classes the parameter counts equal torchvision's (VGG-16 138,357,544; VGG-19
143,667,240). torchvision flattens pool5 as (C, H, W) and this model as
(H, W, C): fc6's rows need permuting when converting weights.
"""

import functools
from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.models import pooling

# torchvision initialises conv kernels with He-normal over fan_out.
_CONV_INIT = nn.initializers.variance_scaling(2.0, 'fan_out', 'normal')
_DENSE_INIT = nn.initializers.normal(0.01)


def vgg_layer_names(stage_sizes: Sequence[int], include_top: bool = True) -> tuple[str, ...]:
  """Capturable layer names in forward order, e.g. conv1_1, ..., pool5, fc8."""
  names = []
  for stage, size in enumerate(stage_sizes, start=1):
    names += [f'conv{stage}_{i}' for i in range(1, size + 1)]
    names.append(f'pool{stage}')
  if include_top:
    names += ['fc6', 'fc7', 'fc8']
  return tuple(names)


class VGG(nn.Module):
  """VGG: stages of 3x3 same convs + ReLU, each followed by a 2x2/2 pool."""

  stage_sizes: Sequence[int] = (2, 2, 3, 3, 3)  # convs per stage (VGG-16)
  widths: Sequence[int] = (64, 128, 256, 512, 512)  # filters per stage
  num_classes: int = 1000  # fc8 outputs
  fc_width: int = 4096  # fc6 and fc7 width
  pool: str = 'max'  # 'max' | 'avg'; Gatys et al. prefer 'avg' for style
  include_top: bool = True  # False: no fc6-fc8, output is pool5
  adaptive_pool: int | None = 7  # pool5 resized to this grid before fc6
  dropout_rate: float = 0.5  # after fc6's and fc7's ReLU (torchvision's order)
  dtype: Any = jnp.float32  # computation dtype; params stay float32

  @nn.compact
  def __call__(
      self, x: jax.Array, train: bool = False, capture: Sequence[str] | None = None
  ) -> jax.Array | dict[str, jax.Array]:
    """Runs the network.

    Args:
      x: [batch, H, W, 3] images (any normalisation the caller chose).
      train: enables dropout (needs a 'dropout' rng).
      capture: layer names to return (see `vgg_layer_names`); conv
        activations are taken after their ReLU.

    Returns:
      Without `capture`: logits [batch, num_classes] float32 (or pool5
      [batch, H/32, W/32, widths[-1]] when include_top is False). With
      `capture`: {name: activation} for exactly the requested names.
    """
    if self.pool not in ('max', 'avg'):
      raise ValueError(f"pool must be 'max' or 'avg', got {self.pool!r}")
    if len(self.widths) != len(self.stage_sizes):
      raise ValueError(
          f'widths {self.widths} and stage_sizes ' f'{self.stage_sizes} must have the same length'
      )
    wanted = None
    if capture is not None:
      if isinstance(capture, str):
        capture = (capture,)
      names = vgg_layer_names(self.stage_sizes, self.include_top)
      unknown = [c for c in capture if c not in names]
      if unknown:
        raise ValueError(f'capture: unknown layer(s) {unknown}; accepted ' f'names are {names}')
      wanted = set(capture)
    out = {}

    def keep(name, value):
      """Records a wanted activation; True once all wanted ones are in."""
      if wanted is not None and name in wanted:
        out[name] = value
      return wanted is not None and len(out) == len(wanted)

    conv = functools.partial(
        nn.Conv,
        kernel_size=(3, 3),
        padding=((1, 1), (1, 1)),
        dtype=self.dtype,
        kernel_init=_CONV_INIT,
    )
    x = x.astype(self.dtype)
    for stage, (size, width) in enumerate(zip(self.stage_sizes, self.widths), start=1):
      for i in range(1, size + 1):
        name = f'conv{stage}_{i}'
        x = nn.relu(conv(width, name=name)(x))
        if keep(name, x):
          return out
      x = pooling.make_pool(self.pool, 2, 2, name=f'pool{stage}')(x)
      if keep(f'pool{stage}', x):
        return out
    if not self.include_top:
      return x
    if self.adaptive_pool is not None:
      x = pooling.AdaptiveAvgPool(self.adaptive_pool, name='avgpool')(x)
    x = x.reshape((x.shape[0], -1))
    dense = functools.partial(nn.Dense, dtype=self.dtype, kernel_init=_DENSE_INIT)
    for name, width in (('fc6', self.fc_width), ('fc7', self.fc_width)):
      x = nn.relu(dense(width, name=name)(x))
      if keep(name, x):
        return out
      x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
    x = dense(self.num_classes, name='fc8')(x).astype(jnp.float32)
    if keep('fc8', x):
      return out
    return x


VGG16 = functools.partial(VGG, stage_sizes=(2, 2, 3, 3, 3))
VGG19 = functools.partial(VGG, stage_sizes=(2, 2, 4, 4, 4))
# For tests: VGG-19's layer names at a few thousand parameters, 32x32 inputs.
VGG19Tiny = functools.partial(
    VGG,
    stage_sizes=(2, 2, 4, 4, 4),
    widths=(4, 8, 8, 16, 16),
    fc_width=32,
    num_classes=10,
    adaptive_pool=None,
)
