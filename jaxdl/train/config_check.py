"""Config validation before any compute: one line naming the field."""

from __future__ import annotations

from typing import Any, Iterable

from jaxdl.errors import ConfigError


def require(ok: bool, field: str, value: Any, expected: str) -> None:
  """Raises ConfigError('config.<field>=<value>: <expected>') unless ok."""
  if not ok:
    raise ConfigError(f'config.{field}={value!r}: {expected}')


def require_choice(field: str, value: Any, accepted: Iterable[str]) -> None:
  accepted = sorted(accepted)
  require(value in accepted, field, value, f'must be one of {", ".join(accepted)}')


def check_train_config(config, num_devices: int, model_given: bool = False) -> None:
  """Checks every field train_and_evaluate reads; raises ConfigError.

  model_given: the caller passes its own model, so config.model is not looked
  up in the registry.
  """
  from jaxdl.models.registry import MODELS
  from jaxdl.optim.factory import OPTIMIZERS, SCHEDULES
  from jaxdl.train.precision import DTYPES

  if not model_given:
    require_choice('model', config.model, MODELS)
  require_choice('dtype', config.get('dtype', 'float32'), DTYPES)
  require(
      'dtype' not in config.get('model_kwargs', {}),
      'model_kwargs.dtype',
      config.get('model_kwargs', {}).get('dtype'),
      'set config.dtype instead',
  )
  opt = config.optimizer
  require_choice('optimizer.name', opt.name, OPTIMIZERS)
  require_choice('optimizer.schedule', opt.get('schedule', 'constant'), SCHEDULES)
  require(opt.learning_rate > 0, 'optimizer.learning_rate', opt.learning_rate, 'must be > 0')
  require(
      opt.get('weight_decay', 0.0) >= 0,
      'optimizer.weight_decay',
      opt.get('weight_decay'),
      'must be >= 0',
  )
  require(config.batch_size > 0, 'batch_size', config.batch_size, 'must be > 0')
  require(
      config.batch_size % num_devices == 0,
      'batch_size',
      config.batch_size,
      f'must be divisible by the number of devices ({num_devices})',
  )
  eval_bs = config.get('eval_batch_size', 0) or config.batch_size
  require(
      eval_bs % num_devices == 0,
      'eval_batch_size',
      eval_bs,
      f'must be divisible by the number of devices ({num_devices})',
  )
  require(
      opt.get('grad_clip_norm', 0.0) >= 0,
      'optimizer.grad_clip_norm',
      opt.get('grad_clip_norm'),
      'must be >= 0 (0: no clipping)',
  )
  require(config.num_epochs > 0, 'num_epochs', config.num_epochs, 'must be > 0')
  steps = config.get('num_train_steps', 0)
  require(
      isinstance(steps, int) and steps >= 0,
      'num_train_steps',
      steps,
      'must be an integer >= 0 (0: num_epochs decides)',
  )
  keep = config.get('keep_best', 1)
  require(isinstance(keep, int) and keep >= 1, 'keep_best', keep, 'must be an integer >= 1')
  human = config.get('human_error', -1.0)
  require(
      human is None or human < 0 or human < 1,
      'human_error',
      human,
      'must be a fraction in [0, 1) (e.g. 0.02 for 2 %), or < 0 for unknown',
  )
  for field in ('profile_steps', 'profile_start_step'):
    value = config.get(field, 0)
    require(isinstance(value, int) and value >= 0, field, value, 'must be an integer >= 0')
  for field in ('log_every_steps', 'eval_every_steps', 'checkpoint_every_steps'):
    require(config[field] > 0, field, config[field], 'must be > 0')
  es = config.early_stopping
  require(es.patience >= 0, 'early_stopping.patience', es.patience, 'must be >= 0 (0: off)')
  require_choice('early_stopping.mode', es.mode, ('min', 'max'))
  data = config.data
  fr = tuple(data.fractions)
  require(
      not fr or (len(fr) == 3 and all(f > 0 for f in fr) and abs(sum(fr) - 1) < 1e-6),
      'data.fractions',
      fr,
      'must be () for size-based defaults (notes 3.5) or three '
      'numbers > 0 (train, dev, test) summing to 1',
  )
  require(
      0 <= data.train_dev_fraction < 1,
      'data.train_dev_fraction',
      data.train_dev_fraction,
      'must be in [0, 1)',
  )
  require(config.num_devices >= 0, 'num_devices', config.num_devices, 'must be >= 0 (0: all)')
  check_mesh_config(config, num_devices)
  _check_input_pipeline(config)


def check_mesh_config(config, num_devices: int) -> None:
  """config.mesh (optional: absent = the 1-D 'data' mesh) must fit ``num_devices``.

  Raises ConfigError naming the field: an axis other than data/fsdp, a size
  that is not a positive integer or -1, two -1s, or sizes whose product does
  not divide (with a -1) or equal (without) the device count.
  """
  from jaxdl.parallel.mesh import mesh_shape

  if config.get('mesh') is not None:
    mesh_shape(config.mesh, num_devices)


PREPROCESSING = ('', 'imagenet')


def _check_input_pipeline(config) -> None:
  """The input pipeline's fields (jaxdl.data.pipeline), all optional."""
  data = config.get('data', {})
  for field, low, what in (
      ('num_workers', 0, 'worker processes (0: in the main process)'),
      ('prefetch', 1, 'batches moved to the devices ahead'),
      ('stats_examples', 1, 'examples for the input statistics'),
  ):
    value = data.get(field, low)
    require(
        isinstance(value, int) and not isinstance(value, bool) and value >= low,
        f'data.{field}',
        value,
        f'must be an integer >= {low} ({what})',
    )
  require_choice('data.preprocess', data.get('preprocess', ''), PREPROCESSING)
  if data.get('preprocess', ''):
    size = data.get('image_size', 224)
    require(
        isinstance(size, int) and size >= 8,
        'data.image_size',
        size,
        'must be an integer >= 8 (side of the crops, pixels)',
    )
  n = config.get('eval_train_examples', 10_000)
  require(
      isinstance(n, int) and n >= 0,
      'eval_train_examples',
      n,
      'must be an integer >= 0 (0: the whole train split)',
  )


# Generic helpers for the experiments' own checks (jaxdl/experiment_checks.py
# and each experiment's check_config).


def _is_number(value: Any) -> bool:
  return isinstance(value, (int, float)) and not isinstance(value, bool)


def require_range(
    field: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
  """A real number in [low, high]; low_open / high_open exclude that end; None: unbounded."""
  ok = _is_number(value) and value == value  # NaN fails every comparison
  if ok and low is not None:
    ok = value > low if low_open else value >= low
  if ok and high is not None:
    ok = value < high if high_open else value <= high
  if not ok:
    if low is not None and high is not None:
      interval = f'{"(" if low_open else "["}{low}, {high}{")" if high_open else "]"}'
      expected = f'must be a number in {interval}'
    elif low is not None:
      expected = f'must be a number {">" if low_open else ">="} {low}'
    elif high is not None:
      expected = f'must be a number {"<" if high_open else "<="} {high}'
    else:
      expected = 'must be a number'
    require(False, field, value, expected)


def require_int(
    field: str, value: Any, minimum: int | None = None, maximum: int | None = None
) -> None:
  """A whole number (not a bool) in [minimum, maximum]; None: unbounded."""
  ok = isinstance(value, int) and not isinstance(value, bool)
  ok = ok and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
  if not ok:
    bounds = ([f'>= {minimum}'] if minimum is not None else []) + (
        [f'<= {maximum}'] if maximum is not None else []
    )
    require(
        False,
        field,
        value,
        'must be a whole number' + (' ' + ' and '.join(bounds) if bounds else ''),
    )


def require_interval(
    field: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
) -> None:
  """A (min, max) pair of numbers with min <= max, both in [low, high] ((low if low_open)."""
  pair = tuple(value) if isinstance(value, (tuple, list)) else None
  ok = (
      pair is not None
      and len(pair) == 2
      and all(_is_number(v) and v == v for v in pair)
      and pair[0] <= pair[1]
  )
  ok = ok and (low is None or (pair[0] > low if low_open else pair[0] >= low))
  ok = ok and (high is None or pair[1] <= high)
  if not ok:
    within = ''
    if low is not None or high is not None:
      lo = '-inf' if low is None else low
      hi = 'inf' if high is None else high
      within = f' within {"(" if low_open else "["}{lo}, {hi}]'
    require(False, field, value, f'must be (min, max) with min <= max{within}')


def require_flag(ok: bool, flag: str, value: Any, expected: str) -> None:
  """Raises ConfigError('--<flag>=<value>: <expected>') unless ok (flag-based launchers)."""
  if not ok:
    raise ConfigError(f'--{flag}={value!r}: {expected}')
