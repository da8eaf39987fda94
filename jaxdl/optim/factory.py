"""Optimizers from config, as optax chains.

  config.optimizer.name: 'sgd' | 'momentum' | 'nesterov' | 'rmsprop' | 'adam' | 'adamw'
  config.optimizer.learning_rate: alpha_0 (> 0)
  config.optimizer.schedule: 'constant' | 'cosine' | 'warmup_cosine' | 'exponential'
  config.optimizer.weight_decay: lambda of weight decay (0: none); decoupled
    for 'adamw', added to the gradient (SGD-style L2) for the others
  config.optimizer.grad_clip_norm: clip by global norm (0: none)

Every transformation is optax's; this module only wires config to it.
"""
from __future__ import annotations

import functools
from typing import Callable

import optax

from jaxdl.optim import notes_optimizers
from jaxdl.optim import schedules as notes_schedules

OPTIMIZERS = ('sgd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw'
              ) + notes_optimizers.NOTES_OPTIMIZERS  # notes 2.5-2.7 forms
SCHEDULES = ('constant', 'cosine', 'warmup_cosine', 'exponential') + tuple(
    s for s in notes_schedules.SCHEDULES if s not in ('constant', 'exponential'))


def make_schedule(cfg, steps_per_epoch: int, total_steps: int) -> optax.Schedule:
  """Learning rate as a function of the step."""
  lr = cfg.learning_rate
  name = cfg.get('schedule', 'constant')
  if name == 'constant':
    return optax.constant_schedule(lr)
  if name == 'cosine':
    return optax.cosine_decay_schedule(lr, decay_steps=max(total_steps, 1))
  if name == 'warmup_cosine':
    warmup = int(cfg.get('warmup_epochs', 1) * steps_per_epoch)
    return optax.warmup_cosine_decay_schedule(0.0, lr, warmup, max(total_steps, warmup + 1))
  if name == 'exponential':
    # alpha = decay_rate**epoch * alpha_0, smooth in the step (notes 2.8).
    return optax.exponential_decay(lr, transition_steps=steps_per_epoch,
                                   decay_rate=cfg.get('decay_rate', 0.95))
  if name in notes_schedules.SCHEDULES:  # notes 2.8 per-epoch decays
    return notes_schedules.make_notes_schedule(
        name, lr, steps_per_epoch, decay_rate=cfg.get('decay_rate', 1.0),
        base=cfg.get('decay_base', 0.95), k=cfg.get('decay_k', 1.0),
        drop=cfg.get('drop', 0.5), epochs_per_drop=cfg.get('epochs_per_drop', 10))
  raise ValueError(f'unknown config.optimizer.schedule {name!r}; accepted: '
                   f'{", ".join(SCHEDULES)}')


def make_optimizer(cfg, steps_per_epoch: int, total_steps: int) -> optax.GradientTransformation:
  """An optax chain from ``config.optimizer``."""
  name = cfg.name
  lr = make_schedule(cfg, steps_per_epoch, total_steps)
  builders: dict[str, Callable[[], optax.GradientTransformation]] = {
      'sgd': lambda: optax.sgd(lr),
      'momentum': lambda: optax.sgd(lr, momentum=cfg.get('momentum', 0.9)),
      'nesterov': lambda: optax.sgd(lr, momentum=cfg.get('momentum', 0.9), nesterov=True),
      'rmsprop': lambda: optax.rmsprop(lr, decay=cfg.get('b2', 0.9), eps=cfg.get('eps', 1e-8)),
      'adam': lambda: optax.adam(lr, b1=cfg.get('b1', 0.9), b2=cfg.get('b2', 0.999),
                                 eps=cfg.get('eps', 1e-8)),
      'adamw': lambda: optax.adamw(lr, b1=cfg.get('b1', 0.9), b2=cfg.get('b2', 0.999),
                                   eps=cfg.get('eps', 1e-8),
                                   weight_decay=cfg.get('weight_decay', 0.0)),
  }
  for notes_name in notes_optimizers.NOTES_OPTIMIZERS:  # notes 2.5-2.7 forms
    builders.setdefault(notes_name, functools.partial(
        notes_optimizers.make_notes_optimizer, notes_name, lr,
        beta1=cfg.get('b1', 0.9), beta2=cfg.get('b2', 0.999), eps=cfg.get('eps', 1e-8)))
  if name not in builders:
    raise ValueError(f'unknown config.optimizer.name {name!r}; accepted: {", ".join(OPTIMIZERS)}')
  parts = []
  if cfg.get('grad_clip_norm', 0.0):
    parts.append(optax.clip_by_global_norm(cfg.grad_clip_norm))
  wd = cfg.get('weight_decay', 0.0)
  if wd and name != 'adamw':
    # grad + wd * w before the update rule: for plain SGD this is exactly the
    # gradient of the L2 cost (wd/2)*||w||^2; adaptive rules rescale it.
    parts.append(optax.add_decayed_weights(wd))
  parts.append(builders[name]())
  return optax.chain(*parts)
