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


def check_train_config(config, num_devices: int) -> None:
  """Checks every field train_and_evaluate reads; raises ConfigError."""
  from jaxdl.models.registry import MODELS
  from jaxdl.optim.factory import OPTIMIZERS, SCHEDULES

  require_choice('model', config.model, MODELS)
  opt = config.optimizer
  require_choice('optimizer.name', opt.name, OPTIMIZERS)
  require_choice('optimizer.schedule', opt.get('schedule', 'constant'), SCHEDULES)
  require(opt.learning_rate > 0, 'optimizer.learning_rate', opt.learning_rate, 'must be > 0')
  require(opt.get('weight_decay', 0.0) >= 0, 'optimizer.weight_decay',
          opt.get('weight_decay'), 'must be >= 0')
  require(config.batch_size > 0, 'batch_size', config.batch_size, 'must be > 0')
  require(config.batch_size % num_devices == 0, 'batch_size', config.batch_size,
          f'must be divisible by the number of devices ({num_devices})')
  eval_bs = config.get('eval_batch_size', 0) or config.batch_size
  require(eval_bs % num_devices == 0, 'eval_batch_size', eval_bs,
          f'must be divisible by the number of devices ({num_devices})')
  require(config.num_epochs > 0, 'num_epochs', config.num_epochs, 'must be > 0')
  for field in ('log_every_steps', 'eval_every_steps', 'checkpoint_every_steps'):
    require(config[field] > 0, field, config[field], 'must be > 0')
  es = config.early_stopping
  require(es.patience >= 0, 'early_stopping.patience', es.patience, 'must be >= 0 (0: off)')
  require_choice('early_stopping.mode', es.mode, ('min', 'max'))
  data = config.data
  fr = tuple(data.fractions)
  require(not fr or (len(fr) == 3 and all(f > 0 for f in fr) and abs(sum(fr) - 1) < 1e-6),
          'data.fractions', fr, 'must be () for size-based defaults (notes 3.5) or three '
          'numbers > 0 (train, dev, test) summing to 1')
  require(0 <= data.train_dev_fraction < 1, 'data.train_dev_fraction',
          data.train_dev_fraction, 'must be in [0, 1)')
  require(config.num_devices >= 0, 'num_devices', config.num_devices, 'must be >= 0 (0: all)')
