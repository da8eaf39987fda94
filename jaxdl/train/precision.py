"""Mixed precision: the computation dtype of a run, and float16 loss scaling.

``config.dtype`` names the dtype the models compute in (activations,
matmuls, convolutions). Parameters, optimizer state, BatchNorm statistics,
losses and metrics stay float32: the models keep ``param_dtype`` float32,
and the train step casts model outputs to float32 before the loss.

float16 has 5 exponent bits, so small gradients underflow to zero: its runs
scale the loss by S before differentiating and divide the gradients by S
after (``DynamicLossScale``). S halves on any step whose gradients are not
finite (that step's update is skipped) and doubles after ``period`` finite
steps in a row. bfloat16 has float32's exponent range and needs no scaling.
"""

from __future__ import annotations

from typing import Any

import flax.struct
import jax
import jax.numpy as jnp

from jaxdl.errors import ConfigError

DTYPES = {'float32': jnp.float32, 'bfloat16': jnp.bfloat16, 'float16': jnp.float16}


def compute_dtype(name: str) -> Any:
  """The jnp dtype of ``config.dtype``; a one-line ConfigError otherwise."""
  if name not in DTYPES:
    raise ConfigError(f'config.dtype={name!r}: must be one of {", ".join(DTYPES)}')
  return DTYPES[name]


def model_dtype(config) -> Any:
  """The computation dtype of a run's config (float32 where it names none)."""
  return compute_dtype(config.get('dtype', 'float32'))


def needs_loss_scale(name: str) -> bool:
  return name == 'float16'


def to_float32(tree: Any) -> Any:
  """Floating leaves of ``tree`` as float32 (model outputs before the loss)."""

  def cast(x):
    return x.astype(jnp.float32) if jnp.issubdtype(x.dtype, jnp.floating) else x

  return jax.tree.map(cast, tree)


class DynamicLossScale(flax.struct.PyTreeNode):
  """Loss scale S and the count of finite steps since it last changed.

  Attributes:
    scale: float32 scalar S.
    good_steps: int32 scalar, finite steps in a row at this S.
    period: finite steps after which S doubles (static).
  """

  scale: jax.Array
  good_steps: jax.Array
  period: int = flax.struct.field(pytree_node=False, default=2000)

  @classmethod
  def create(cls, initial: float = 2.0**15, period: int = 2000) -> 'DynamicLossScale':
    return cls(jnp.asarray(initial, jnp.float32), jnp.asarray(0, jnp.int32), period)

  def scale_loss(self, loss: jax.Array) -> jax.Array:
    return loss * self.scale

  def unscale(self, grads: Any) -> Any:
    return jax.tree.map(lambda g: (g / self.scale).astype(g.dtype), grads)

  def adjust(self, finite: jax.Array) -> 'DynamicLossScale':
    """The scale for the next step, after a step whose gradients were ``finite``."""
    grow = jnp.logical_and(finite, self.good_steps + 1 >= self.period)
    scale = jnp.where(
        finite, jnp.where(grow, self.scale * 2.0, self.scale), jnp.maximum(self.scale / 2.0, 1.0)
    )
    good = jnp.where(jnp.logical_and(finite, ~grow), self.good_steps + 1, 0)
    return self.replace(scale=scale, good_steps=good.astype(jnp.int32))


def all_finite(tree: Any) -> jax.Array:
  """True when every element of every leaf is finite (a bool scalar)."""
  leaves = [jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree)]
  return jnp.all(jnp.stack(leaves)) if leaves else jnp.asarray(True)


def select_tree(pred: jax.Array, on_true: Any, on_false: Any) -> Any:
  """Leafwise ``where(pred, on_true, on_false)`` for two pytrees of one structure."""
  return jax.tree.map(lambda a, b: jnp.where(pred, a, b), on_true, on_false)
