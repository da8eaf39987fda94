"""Layer table (notes 4.7): layer -> activation shape -> activation size -> parameters.

For any flax model and input shape, `layer_table` lists every leaf layer in call
order with the shape of its output, the number of activations per example and
the number of parameters it owns, the table the notes fill in by hand for
LeNet-5. It traces the model with `jax.eval_shape`, so even VGG-16 at 224x224
costs no memory or FLOPs, and records outputs with a method interceptor (not
`capture_intermediates`, whose dict loses the call order once it is a pytree).
"""

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
from flax import traverse_util


@dataclasses.dataclass(frozen=True)
class LayerRow:
  """One row of the table."""

  name: str  # module path, '/'-joined (e.g. 'layer1_0/conv1')
  shape: tuple[int, ...]  # activation shape without the batch axis
  size: int  # activations per example: prod(shape)
  params: int  # parameters owned by this layer (counted at first call)


def _shape_of(out: Any) -> tuple[int, ...]:
  leaves = jax.tree.leaves(out)
  if len(leaves) != 1:
    # Multi-output layers show their first output; their size is the total.
    return tuple(leaves[0].shape[1:]) if leaves else ()
  return tuple(leaves[0].shape[1:])


def layer_table(
    model: nn.Module, input_shape: Sequence[int], input_dtype: Any = jnp.float32, **call_kwargs
) -> list[LayerRow]:
  """Traces `model` on an input of `input_shape` and tabulates its leaf layers.

  Args:
    model: a flax.linen module.
    input_shape: full input shape including the batch axis, e.g.
      (1, 32, 32, 1).
    input_dtype: dtype of the dummy input.
    **call_kwargs: passed to the model call (e.g. train=False).

  Returns:
    Rows in call order, starting with an 'input' row. Only leaf layers (those
    calling no sub-layer) appear, so the param column sums to the model's
    total and no parameter is counted twice.
  """
  input_shape = tuple(input_shape)
  if len(input_shape) < 2 or any(not isinstance(d, int) or d < 1 for d in input_shape):
    raise ValueError(
        f'input_shape must be a full shape with a batch axis, '
        f'e.g. (1, 32, 32, 3), got {input_shape}'
    )
  calls: list[tuple[tuple[str, ...], tuple[int, ...], int]] = []

  def record(next_fun, args, kwargs, context):
    out = next_fun(*args, **kwargs)
    if context.method_name == '__call__':
      size = sum(math.prod(a.shape[1:]) for a in jax.tree.leaves(out))
      calls.append((tuple(context.module.path), _shape_of(out), size))
    return out

  def init():
    with nn.intercept_methods(record):
      return model.init(
          {'params': jax.random.key(0), 'dropout': jax.random.key(1)},
          jnp.zeros(input_shape, input_dtype),
          **call_kwargs,
      )

  variables = jax.eval_shape(init)
  params = traverse_util.flatten_dict(dict(variables.get('params', {})))
  paths = [c[0] for c in calls]
  is_parent = {p[:i] for p in paths for i in range(len(p))}
  rows = [LayerRow('input', input_shape[1:], math.prod(input_shape[1:]), 0)]
  seen = set()
  for path, shape, size in calls:
    if path in is_parent or not path:
      continue
    count = 0
    if path not in seen:
      seen.add(path)
      count = sum(math.prod(v.shape) for k, v in params.items() if k[: len(path)] == path)
    rows.append(LayerRow('/'.join(path), shape, size, count))
  return rows


def total_params(rows: Sequence[LayerRow]) -> int:
  """Sum of the params column."""
  return sum(r.params for r in rows)


def format_layer_table(rows: Sequence[LayerRow]) -> str:
  """A fixed-width text table with a total line, for logs and launch scripts."""
  header = ('layer', 'activation shape', 'activation size', 'params')
  body = [
      (r.name, 'x'.join(map(str, r.shape)) or '-', f'{r.size:,}', f'{r.params:,}') for r in rows
  ]
  body.append(('total', '', '', f'{total_params(rows):,}'))
  widths = [max(len(line[i]) for line in [header, *body]) for i in range(4)]

  def fmt(line):
    return '  '.join(
        [
            line[0].ljust(widths[0]),
            line[1].ljust(widths[1]),
            line[2].rjust(widths[2]),
            line[3].rjust(widths[3]),
        ]
    )

  rule = '-' * len(fmt(header))
  return '\n'.join([fmt(header), rule, *map(fmt, body[:-1]), rule, fmt(body[-1])])
