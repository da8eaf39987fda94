"""Optimizers for fine-tuning: frozen backbone or a smaller backbone learning rate (notes 3.14).

With little task-B data, retrain only the last layer(s) and keep the
pretrained backbone fixed; with more data, fine-tune everything but move the
backbone more gently than the freshly initialised head. Both are one
`optax.multi_transform` over a labelling of the parameter tree:
'head' leaves get the base optimizer, 'backbone' leaves get either
`optax.set_to_zero()` (frozen: no update, not even weight decay) or the base
optimizer followed by `optax.scale(backbone_lr_scale)` (every optax rule
here multiplies its final update by the learning rate, so scaling the update
is scaling the learning rate).
"""

from __future__ import annotations

from typing import Any, Sequence

import flax
import optax

MODES = ('frozen', 'finetune', 'scratch')


def param_labels(params: Any, head_modules: Sequence[str] = ('head',)) -> Any:
  """'head' or 'backbone' for every leaf, by its top-level module name.

  Args:
    params: a flax params tree {module name: {...}}.
    head_modules: top-level module names that form the new head.

  Returns:
    a tree of the same structure with string leaves.

  Raises:
    ValueError: a head module is not in params (a typo would silently freeze
      or fine-tune everything).
  """
  params = flax.core.unfreeze(params)
  missing = [m for m in head_modules if m not in params]
  if missing:
    raise ValueError(f'head_modules {missing} not among the top-level modules {sorted(params)}')
  return {
      name: _fill(sub, 'head' if name in head_modules else 'backbone')
      for name, sub in params.items()
  }


def _fill(tree, label):
  if isinstance(tree, dict):
    return {k: _fill(v, label) for k, v in tree.items()}
  return label


def transfer_optimizer(
    base: optax.GradientTransformation,
    params: Any,
    mode: str,
    head_modules: Sequence[str] = ('head',),
    backbone_lr_scale: float = 0.1,
) -> optax.GradientTransformation:
  """The base optimizer, with the backbone frozen or slowed down.

  Args:
    base: the optimizer for the head (e.g. from jaxdl.optim.factory).
    params: the model's params tree (for the labels).
    mode: 'frozen' (backbone not updated), 'finetune' (backbone learning rate
      × backbone_lr_scale) or 'scratch' (everything at the base rate).
    head_modules: top-level modules of the head.
    backbone_lr_scale: in (0, 1] for 'finetune'.

  Returns:
    an optax.GradientTransformation.
  """
  if mode not in MODES:
    raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
  if mode == 'scratch':
    return base
  if mode == 'finetune' and not 0 < backbone_lr_scale <= 1:
    raise ValueError(f'backbone_lr_scale must be in (0, 1], got {backbone_lr_scale}')
  backbone = (
      optax.set_to_zero() if mode == 'frozen' else optax.chain(base, optax.scale(backbone_lr_scale))
  )
  param_labels(params, head_modules)  # fail now, not at the first step, on a bad name
  # A callable, so the labels follow whatever container type the state holds.
  return optax.multi_transform(
      {'head': base, 'backbone': backbone}, lambda p: param_labels(p, head_modules)
  )
