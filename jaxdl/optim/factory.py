"""Optimizers and learning-rate schedules as optax chains, from plain arguments or a config.

Two ways to ask for the same chain:

  make_optimizer('momentum', 0.1, schedule='cosine', total_steps=1000,
                 weight_decay=1e-4)                      # plain arguments
  make_optimizer(config.optimizer, steps_per_epoch, total_steps)  # a config block

The config block's fields are the plain form's keywords:

  name: 'sgd' | 'momentum' | 'nesterov' | 'rmsprop' | 'adam' | 'adamw', or a
    notes 2.5-2.7 form ('gd', 'notes_momentum', 'heavy_ball', ...)
  learning_rate: alpha_0 (> 0)
  schedule: 'constant' | 'cosine' | 'warmup_cosine' | 'exponential', or a
    notes 2.8 per-epoch decay ('inverse_time', 'inverse_sqrt', 'staircase')
  weight_decay: lambda of weight decay (0: none); decoupled for 'adamw',
    added to the gradient (SGD-style L2) for the others
  grad_clip_norm: clip by global norm (0: none)
  momentum, b1, b2, eps: the update rule's constants
  warmup_epochs, decay_rate, decay_base, decay_k, drop, epochs_per_drop: the
    schedule's constants

Every transformation is optax's (or jaxdl.optim's notes forms); this module
only wires arguments to them. Bad plain arguments raise a one-line
ConfigError naming the argument; the config form leaves validation to the
config checks (jaxdl.train.config_check, jaxdl.experiment_checks).
"""

from __future__ import annotations

import functools
from typing import Any, Callable, overload

import optax

from jaxdl.errors import ConfigError
from jaxdl.optim import notes_optimizers
from jaxdl.optim import schedules as notes_schedules

OPTIMIZERS = (
    'sgd',
    'momentum',
    'nesterov',
    'rmsprop',
    'adam',
    'adamw',
) + notes_optimizers.NOTES_OPTIMIZERS  # notes 2.5-2.7 forms
SCHEDULES = ('constant', 'cosine', 'warmup_cosine', 'exponential') + tuple(
    s for s in notes_schedules.SCHEDULES if s not in ('constant', 'exponential')
)

# Config fields read besides name / learning_rate / schedule (absent: the default).
_SCHEDULE_FIELDS = ('decay_rate', 'decay_base', 'decay_k', 'drop', 'epochs_per_drop')
_RULE_FIELDS = ('momentum', 'b1', 'b2', 'eps', 'weight_decay', 'grad_clip_norm')
_NEEDS_TOTAL_STEPS = ('cosine', 'warmup_cosine')
# Keywords of the plain forms besides name and learning_rate.
_SCHEDULE_ARGS = (
    'total_steps',
    'steps_per_epoch',
    'warmup_steps',
    'warmup_epochs',
    'decay_rate',
    'decay_base',
    'decay_k',
    'drop',
    'epochs_per_drop',
)
_OPTIMIZER_ARGS = ('schedule',) + _SCHEDULE_ARGS + _RULE_FIELDS


def _schedule(
    name: str,
    lr: float,
    *,
    steps_per_epoch: int,
    total_steps: int,
    warmup_steps: int,
    decay_rate: float | None = None,
    decay_base: float = 0.95,
    decay_k: float = 1.0,
    drop: float = 0.5,
    epochs_per_drop: int = 10,
) -> optax.Schedule:
  """The one place a schedule is built; both forms end here."""
  if name == 'constant':
    return optax.constant_schedule(lr)
  if name == 'cosine':
    return optax.cosine_decay_schedule(lr, decay_steps=max(total_steps, 1))
  if name == 'warmup_cosine':
    return optax.warmup_cosine_decay_schedule(
        0.0, lr, warmup_steps, max(total_steps, warmup_steps + 1)
    )
  if name == 'exponential':
    # alpha = decay_rate**epoch * alpha_0, smooth in the step (notes 2.8).
    return optax.exponential_decay(
        lr, transition_steps=steps_per_epoch, decay_rate=0.95 if decay_rate is None else decay_rate
    )
  if name in notes_schedules.SCHEDULES:  # notes 2.8 per-epoch decays
    return notes_schedules.make_notes_schedule(
        name,
        lr,
        steps_per_epoch,
        decay_rate=1.0 if decay_rate is None else decay_rate,
        base=decay_base,
        k=decay_k,
        drop=drop,
        epochs_per_drop=epochs_per_drop,
    )
  raise ConfigError(
      f'unknown config.optimizer.schedule {name!r}; accepted: ' f'{", ".join(SCHEDULES)}'
  )


def _optimizer(
    name: str,
    lr: Any,
    *,
    momentum: float = 0.9,
    b1: float = 0.9,
    b2: float | None = None,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    grad_clip_norm: float = 0.0,
) -> optax.GradientTransformation:
  """The one place a chain is built from a learning rate (float or schedule)."""
  adam_b2 = 0.999 if b2 is None else b2
  builders: dict[str, Callable[[], optax.GradientTransformation]] = {
      'sgd': lambda: optax.sgd(lr),
      'momentum': lambda: optax.sgd(lr, momentum=momentum),
      'nesterov': lambda: optax.sgd(lr, momentum=momentum, nesterov=True),
      'rmsprop': lambda: optax.rmsprop(lr, decay=0.9 if b2 is None else b2, eps=eps),
      'adam': lambda: optax.adam(lr, b1=b1, b2=adam_b2, eps=eps),
      'adamw': lambda: optax.adamw(lr, b1=b1, b2=adam_b2, eps=eps, weight_decay=weight_decay),
  }
  for notes_name in notes_optimizers.NOTES_OPTIMIZERS:  # notes 2.5-2.7 forms
    builders.setdefault(
        notes_name,
        functools.partial(
            notes_optimizers.make_notes_optimizer, notes_name, lr, beta1=b1, beta2=adam_b2, eps=eps
        ),
    )
  if name not in builders:
    raise ConfigError(
        f'unknown config.optimizer.name {name!r}; accepted: ' f'{", ".join(OPTIMIZERS)}'
    )
  parts = []
  if grad_clip_norm:
    parts.append(optax.clip_by_global_norm(grad_clip_norm))
  if weight_decay and name != 'adamw':
    # grad + wd * w before the update rule: for plain SGD this is exactly the
    # gradient of the L2 cost (wd/2)*||w||^2; adaptive rules rescale it.
    parts.append(optax.add_decayed_weights(weight_decay))
  parts.append(builders[name]())
  return optax.chain(*parts)


# The config form: exactly the fields a config block sets, defaults otherwise.


def _present(cfg, fields: tuple[str, ...]) -> dict[str, Any]:
  return {f: cfg.get(f) for f in fields if cfg.get(f) is not None}


def _schedule_from_config(cfg, steps_per_epoch: int, total_steps: int) -> optax.Schedule:
  return _schedule(
      cfg.get('schedule', 'constant'),
      cfg.learning_rate,
      steps_per_epoch=steps_per_epoch,
      total_steps=total_steps,
      warmup_steps=int(cfg.get('warmup_epochs', 1) * steps_per_epoch),
      **_present(cfg, _SCHEDULE_FIELDS),
  )


def _optimizer_from_config(
    cfg, steps_per_epoch: int, total_steps: int
) -> optax.GradientTransformation:
  lr = _schedule_from_config(cfg, steps_per_epoch, total_steps)
  return _optimizer(cfg.name, lr, **_present(cfg, _RULE_FIELDS))


# The plain form: every argument checked, one line naming it.


def _require(ok: bool, fn: str, arg: str, value: Any, expected: str) -> None:
  if not ok:
    raise ConfigError(f'{fn}: {arg}={value!r}: {expected}')


def _check_keywords(fn: str, kwargs: dict[str, Any], accepted: tuple[str, ...]) -> None:
  unknown = sorted(set(kwargs) - set(accepted))
  if unknown:
    raise ConfigError(
        f'{fn}: unknown argument {unknown[0]}={kwargs[unknown[0]]!r}; '
        f'accepted: {", ".join(accepted)}'
    )


def _is_number(value: Any) -> bool:
  return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _is_int(value: Any) -> bool:
  return isinstance(value, int) and not isinstance(value, bool)


def _check_in(
    fn: str,
    arg: str,
    value: Any,
    low: float,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
  ok = _is_number(value) and (value > low if low_open else value >= low)
  if ok and high is not None:
    ok = value < high if high_open else value <= high
  if high is None:
    expected = f'must be a number {">" if low_open else ">="} {low}'
  else:
    expected = (
        f'must be a number in {"(" if low_open else "["}{low}, {high}'
        f'{")" if high_open else "]"}'
    )
  _require(ok, fn, arg, value, expected)


def _plain_schedule(
    fn: str,
    schedule: Any,
    learning_rate: Any,
    *,
    total_steps: int | None = None,
    steps_per_epoch: int = 1,
    warmup_steps: int | None = None,
    warmup_epochs: float = 1.0,
    decay_rate: float | None = None,
    decay_base: float = 0.95,
    decay_k: float = 1.0,
    drop: float = 0.5,
    epochs_per_drop: int = 10,
) -> optax.Schedule:
  _require(
      isinstance(schedule, str) and schedule in SCHEDULES,
      fn,
      'schedule',
      schedule,
      f'must be one of {", ".join(SCHEDULES)}',
  )
  _check_in(fn, 'learning_rate', learning_rate, 0, low_open=True)
  _require(
      _is_int(steps_per_epoch) and steps_per_epoch >= 1,
      fn,
      'steps_per_epoch',
      steps_per_epoch,
      'must be a whole number >= 1',
  )
  if schedule in _NEEDS_TOTAL_STEPS:
    _require(
        _is_int(total_steps) and total_steps >= 1,
        fn,
        'total_steps',
        total_steps,
        f'must be a whole number >= 1 for schedule={schedule!r}',
    )
  else:
    _require(
        total_steps is None or (_is_int(total_steps) and total_steps >= 0),
        fn,
        'total_steps',
        total_steps,
        'must be None or a whole number >= 0',
    )
  _require(
      warmup_steps is None or (_is_int(warmup_steps) and warmup_steps >= 0),
      fn,
      'warmup_steps',
      warmup_steps,
      'must be None or a whole number >= 0',
  )
  _check_in(fn, 'warmup_epochs', warmup_epochs, 0)
  if decay_rate is not None:
    _check_in(fn, 'decay_rate', decay_rate, 0, low_open=True)
  _check_in(fn, 'decay_base', decay_base, 0, 1, low_open=True)
  _check_in(fn, 'decay_k', decay_k, 0, low_open=True)
  _check_in(fn, 'drop', drop, 0, 1, low_open=True)
  _require(
      _is_int(epochs_per_drop) and epochs_per_drop >= 1,
      fn,
      'epochs_per_drop',
      epochs_per_drop,
      'must be a whole number >= 1',
  )
  warmup = int(warmup_epochs * steps_per_epoch) if warmup_steps is None else warmup_steps
  return _schedule(
      schedule,
      learning_rate,
      steps_per_epoch=steps_per_epoch,
      total_steps=total_steps or 0,
      warmup_steps=warmup,
      decay_rate=decay_rate,
      decay_base=decay_base,
      decay_k=decay_k,
      drop=drop,
      epochs_per_drop=epochs_per_drop,
  )


def _plain_optimizer(
    name: Any,
    learning_rate: Any,
    *,
    schedule: str = 'constant',
    momentum: float = 0.9,
    b1: float = 0.9,
    b2: float | None = None,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    grad_clip_norm: float = 0.0,
    **schedule_args: Any,
) -> optax.GradientTransformation:
  fn = 'make_optimizer'
  _require(name in OPTIMIZERS, fn, 'name', name, f'must be one of {", ".join(OPTIMIZERS)}')
  if callable(learning_rate):  # an optax schedule of the caller's own
    unused = (['schedule'] if schedule != 'constant' else []) + sorted(schedule_args)
    _require(
        not unused,
        fn,
        unused[0] if unused else '',
        {**schedule_args, 'schedule': schedule}.get(unused[0]) if unused else None,
        'has no effect when learning_rate is a schedule',
    )
    lr = learning_rate
  else:
    lr = _plain_schedule(fn, schedule, learning_rate, **schedule_args)
  _check_in(fn, 'momentum', momentum, 0, 1, high_open=True)
  _check_in(fn, 'b1', b1, 0, 1, high_open=True)
  if b2 is not None:
    _check_in(fn, 'b2', b2, 0, 1, high_open=True)
  _check_in(fn, 'eps', eps, 0, low_open=True)
  _check_in(fn, 'weight_decay', weight_decay, 0)
  _check_in(fn, 'grad_clip_norm', grad_clip_norm, 0)
  return _optimizer(
      name,
      lr,
      momentum=momentum,
      b1=b1,
      b2=b2,
      eps=eps,
      weight_decay=weight_decay,
      grad_clip_norm=grad_clip_norm,
  )


@overload
def make_schedule(
    name: str,
    learning_rate: float,
    *,
    total_steps: int | None = None,
    steps_per_epoch: int = 1,
    warmup_steps: int | None = None,
    warmup_epochs: float = 1.0,
    decay_rate: float | None = None,
    decay_base: float = 0.95,
    decay_k: float = 1.0,
    drop: float = 0.5,
    epochs_per_drop: int = 10,
) -> optax.Schedule:
  ...


@overload
def make_schedule(cfg: Any, steps_per_epoch: int, total_steps: int) -> optax.Schedule:
  ...


def make_schedule(name, *args, **kwargs):
  """Learning rate as a function of the step (an optax schedule).

  Two forms:

    make_schedule('cosine', 0.1, total_steps=1000)          # plain arguments
    make_schedule(config.optimizer, steps_per_epoch, total_steps)

  Args (plain form; the config form reads the same names as fields, plus
    ``schedule`` for the name, with warmup given only as ``warmup_epochs``):
    name: one of SCHEDULES.
    learning_rate: alpha_0, > 0.
    total_steps: steps of the whole run; required (>= 1) by 'cosine' and
      'warmup_cosine'.
    steps_per_epoch: converts the per-epoch decays ('exponential' and the
      notes 2.8 forms) and ``warmup_epochs`` to steps; 1: an epoch is a step.
    warmup_steps: linear warm-up of 'warmup_cosine' from 0 (None:
      ``warmup_epochs * steps_per_epoch``).
    warmup_epochs: the same in epochs, used when warmup_steps is None.
    decay_rate: 'exponential' base per epoch (default 0.95) or the
      'inverse_time' rate (default 1.0).
    decay_base, decay_k, drop, epochs_per_drop: the constants of the notes
      2.8 'exponential', 'inverse_sqrt' and 'staircase' forms
      (jaxdl.optim.schedules).

  Returns:
    step -> learning rate (a scalar).

  Raises:
    ConfigError: an unknown name, or (plain form) an argument out of range;
      the message names it.
  """
  if isinstance(name, str):
    _check_keywords('make_schedule', kwargs, _SCHEDULE_ARGS)
    return _plain_schedule('make_schedule', name, *args, **kwargs)
  return _schedule_from_config(name, *args, **kwargs)


@overload
def make_optimizer(
    name: str,
    learning_rate: float | optax.Schedule,
    *,
    schedule: str = 'constant',
    total_steps: int | None = None,
    steps_per_epoch: int = 1,
    warmup_steps: int | None = None,
    warmup_epochs: float = 1.0,
    decay_rate: float | None = None,
    decay_base: float = 0.95,
    decay_k: float = 1.0,
    drop: float = 0.5,
    epochs_per_drop: int = 10,
    momentum: float = 0.9,
    b1: float = 0.9,
    b2: float | None = None,
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    grad_clip_norm: float = 0.0,
) -> optax.GradientTransformation:
  ...


@overload
def make_optimizer(
    cfg: Any, steps_per_epoch: int, total_steps: int
) -> optax.GradientTransformation:
  ...


def make_optimizer(name, *args, **kwargs):
  """An optax chain: [clip by global norm] -> [L2 weight decay] -> the update rule.

  Two forms, giving the same chain for the same values:

    make_optimizer('adam', 1e-3)                              # plain arguments
    make_optimizer('momentum', 0.1, schedule='cosine', total_steps=1000,
                   weight_decay=1e-4)
    make_optimizer(config.optimizer, steps_per_epoch, total_steps)  # a config block

  Args (plain form; a config block has the same names as fields):
    name: one of OPTIMIZERS.
    learning_rate: alpha_0 (> 0), scheduled by ``schedule``; or an optax
      schedule of your own (then ``schedule`` and its constants are unused).
    schedule, total_steps, steps_per_epoch, warmup_steps, warmup_epochs,
      decay_rate, decay_base, decay_k, drop, epochs_per_drop: the learning
      rate's schedule, as in make_schedule ('constant' by default).
    momentum: beta of 'momentum' and 'nesterov', in [0, 1).
    b1: Adam's first-moment decay (the notes forms' beta1), in [0, 1).
    b2: second-moment decay, in [0, 1); None: 0.9 for 'rmsprop', 0.999 else.
    eps: the adaptive rules' denominator guard, > 0.
    weight_decay: lambda, >= 0: decoupled for 'adamw', added to the gradient
      (SGD-style L2) before the other rules.
    grad_clip_norm: clip gradients to this global norm first (0: no clipping).

  Returns:
    optax.GradientTransformation.

  Raises:
    ConfigError: an unknown name or schedule, or (plain form) an argument out
      of range; the message is one line naming it.
  """
  if isinstance(name, str):
    _check_keywords('make_optimizer', kwargs, _OPTIMIZER_ARGS)
    return _plain_optimizer(name, *args, **kwargs)
  return _optimizer_from_config(name, *args, **kwargs)
