"""Config checks the experiments share, run before any data is loaded.

Every experiment's ``check_config(config)`` (jaxdl/*/*_experiment.py and the
other modules that launch/*.py call) validates its whole config first and
raises ``ConfigError`` naming the field, its value and what it accepts; the
launchers turn that into one line and exit 1. This module holds the pieces
several experiments need: the core training fields (what
``check_train_config`` checks, plus the fields it reads without checking),
an optimizer block, a model's keyword arguments and a jaxdl.augment config.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import os
from typing import Any, Iterable

from jaxdl.train.config_check import (
    check_train_config,
    require,
    require_choice,
    require_int,
    require_interval,
    require_range,
)

# Model fields that are layer sizes (an int or a sequence of ints, each >= 1).
_SIZE_FIELDS = (
    'features',
    'hidden',
    'dense',
    'embed_dim',
    'widths',
    'filters',
    'width',
    'fc_width',
)
EARLY_STOPPING_SPLITS = ('train', 'train_dev', 'dev')


def require_sizes(field: str, value: Any, minimum: int = 1, allow_empty: bool = False) -> None:
  """An int >= minimum, or a sequence of them (non-empty unless allow_empty)."""
  values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
  ok = (allow_empty or values) and all(
      isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in values
  )
  require(
      bool(ok),
      field,
      value,
      f'must be a whole number >= {minimum} or a '
      f'{"" if allow_empty else "non-empty "}sequence of them',
  )


def require_split_sizes(prefix: str, sizes, train_key: str, batch_size: int) -> None:
  """Example counts of generated splits: each >= 1, train >= one full batch.

  ``prefix`` names the fields with ``{}`` for the split ('multitask.{}_size').
  """
  for split in ('train', 'dev', 'test'):
    require_int(prefix.format(split), sizes[prefix.format(split).rsplit('.', 1)[-1]], 1)
  require(
      sizes[train_key] >= batch_size,
      prefix.format('train'),
      sizes[train_key],
      f'must be >= batch_size ({batch_size}): training needs one full batch',
  )


def require_names(
    field: str, values: Iterable[Any], accepted: Iterable[str], allow_empty: bool = False
) -> None:
  """A sequence of names, each in accepted, without repeats."""
  values, accepted = tuple(values), tuple(accepted)
  ok = (allow_empty or values) and all(v in accepted for v in values)
  require(
      bool(ok),
      field,
      values,
      f'must be a {"" if allow_empty else "non-empty "}'
      f'sequence of names from {", ".join(accepted)}',
  )
  require(len(set(values)) == len(values), field, values, 'must not repeat a name')


def require_file(field: str, path: Any, what: str = 'file') -> None:
  require(
      isinstance(path, str) and os.path.isfile(path), field, path, f'must name an existing {what}'
  )


def require_dir(field: str, path: Any, what: str = 'directory') -> None:
  require(
      isinstance(path, str) and os.path.isdir(path), field, path, f'must name an existing {what}'
  )


def mesh_devices(config) -> int:
  """The device count train_and_evaluate's mesh will have, checked against jax's.

  With config.distributed the devices are only known after
  jax.distributed.initialize (which must come first), so num_devices (or 1)
  stands in and the core checks the rest once its mesh exists.
  """
  n = config.get('num_devices', 0)
  require_int('num_devices', n, 0)
  if config.get('distributed', False):
    return max(n, 1)
  import jax

  available = jax.device_count()
  require(
      n <= available, 'num_devices', n, f'must be in [0, {available}] (0: all {available} devices)'
  )
  return n or available


def check_data_fields(config) -> None:
  """dataset, seed and data.fractions of experiments that load a dataset themselves."""
  require(
      isinstance(config.dataset, str) and bool(config.dataset),
      'dataset',
      config.dataset,
      'must name an embedded image dataset, e.g. digits',
  )
  require_int('seed', config.seed)
  fr = tuple(config.data.fractions)
  require(
      len(fr) == 3
      and all(isinstance(f, (int, float)) and f > 0 for f in fr)
      and abs(sum(fr) - 1) < 1e-6,
      'data.fractions',
      fr,
      'must be three numbers > 0 (train, dev, test) summing to 1',
  )


def check_optimizer_fields(opt, prefix: str = 'optimizer') -> None:
  """An optimizer block as jaxdl.optim.factory.make_optimizer reads it."""
  from jaxdl.optim.factory import OPTIMIZERS, SCHEDULES

  require_choice(f'{prefix}.name', opt.name, OPTIMIZERS)
  require_choice(f'{prefix}.schedule', opt.get('schedule', 'constant'), SCHEDULES)
  require_range(f'{prefix}.learning_rate', opt.learning_rate, 0, low_open=True)
  for name in ('weight_decay', 'grad_clip_norm', 'warmup_epochs'):
    if name in opt:
      require_range(f'{prefix}.{name}', opt[name], 0)
  for name in ('momentum', 'b1', 'b2'):
    if name in opt:
      require_range(f'{prefix}.{name}', opt[name], 0, 1, high_open=True)
  for name in ('eps', 'decay_rate'):
    if name in opt:
      require_range(f'{prefix}.{name}', opt[name], 0, low_open=True)


def check_core_fields(config) -> None:
  """The core training fields, before an experiment loads its data.

  check_train_config with the mesh's device count, plus the fields
  train_and_evaluate reads that it does not check.
  """
  check_train_config(config, mesh_devices(config))
  check_optimizer_fields(config.optimizer)
  require_int('eval_batch_size', config.get('eval_batch_size', 0), 0)
  es = config.early_stopping
  require_range('early_stopping.min_delta', es.min_delta, 0)
  split, _, metric = str(es.metric).partition('/')
  require(
      split in EARLY_STOPPING_SPLITS and bool(metric),
      'early_stopping.metric',
      es.metric,
      f'must be <split>/<metric> with split one of '
      f'{", ".join(EARLY_STOPPING_SPLITS)}, e.g. dev/error',
  )
  require(
      split != 'train_dev' or config.data.train_dev_fraction > 0,
      'early_stopping.metric',
      es.metric,
      'train_dev/... needs data.train_dev_fraction > 0',
  )


def model_class(name: str):
  """The flax module class registered as `name` (jaxdl.models.registry)."""
  from jaxdl.models.registry import MODELS

  require_choice('model', name, MODELS)
  module, cls = MODELS[name].split(':')
  return getattr(importlib.import_module(module), cls)


def model_fields(cls) -> set[str]:
  """Field names of a model class (or of a functools.partial size variant of one)."""
  cls = getattr(cls, 'func', cls)
  return {f.name for f in dataclasses.fields(cls)} - {'parent', 'name'}


def check_model_kwargs(
    model_kwargs, cls, prefix: str = 'model_kwargs', reserved: Iterable[str] = ('num_classes',)
) -> None:
  """Every key is a field of the model class; sizes >= 1, keep_prob in (0, 1]."""
  fields = model_fields(cls) - set(reserved)
  cls = getattr(cls, 'func', cls)  # for its name
  for key in model_kwargs:
    require(
        key in fields,
        f'{prefix}.{key}',
        model_kwargs[key],
        f'is not a field of {cls.__name__}; its fields: {", ".join(sorted(fields))}',
    )
    value = model_kwargs[key]
    if key in _SIZE_FIELDS:
      require_sizes(f'{prefix}.{key}', value)
    elif key == 'keep_prob':
      require_range(f'{prefix}.{key}', value, 0, 1, low_open=True)
    elif key == 'bn_position':
      require_choice(f'{prefix}.{key}', value, ('before', 'after'))
    elif key == 'cell_type':
      from jaxdl.sequence.rnn import CELL_TYPES

      require_choice(f'{prefix}.{key}', value, CELL_TYPES)
    elif key in ('batchnorm', 'attention', 'residual'):
      require(isinstance(value, bool), f'{prefix}.{key}', value, 'must be True or False')


# Keyword arguments of apply_affine that zoom / shift / affine pass on.
_AFFINE_KWARGS = ('mode', 'cval', 'min_box_size')


def check_augment(ops, prefix: str = 'augment', boxes: bool = False) -> None:
  """A jaxdl.augment.make_augment_fn config: op names, their arguments and ranges."""
  from jaxdl.augment.pipeline import OPS

  ops = ops.to_dict() if hasattr(ops, 'to_dict') else dict(ops)
  for name in ops:
    require(
        name in OPS,
        f'{prefix}.{name}',
        dict(ops[name]),
        f'is not an augmentation op; accepted: {", ".join(OPS)}',
    )
    require(
        not (boxes and name == 'elastic'),
        f'{prefix}.{name}',
        dict(ops[name]),
        'cannot move boxes; drop it for detection',
    )
    kwargs = dict(ops[name])
    params = inspect.signature(OPS[name]).parameters
    accepted = {p for p, v in params.items() if v.kind == v.KEYWORD_ONLY}
    if any(v.kind == v.VAR_KEYWORD for v in params.values()):
      accepted |= set(_AFFINE_KWARGS)
    for key, value in kwargs.items():
      field = f'{prefix}.{name}.{key}'
      require(
          key in accepted,
          field,
          value,
          f'is not an argument of {name}; accepted: {", ".join(sorted(accepted))}',
      )
      if key == 'probability':
        require_range(field, value, 0, 1)
      elif key == 'max_shift':
        require_range(field, value, 0, 1, high_open=True)
      elif key in ('max_rotation_deg', 'max_shear'):
        require_range(field, value, 0)
      elif key == 'min_box_size':
        require_range(field, value, 0, 1, high_open=True)
      elif key == 'scale_range':
        require_interval(field, value, 0, low_open=True)
      elif key in ('alpha', 'sigma'):
        require_range(field, value, 0, low_open=True)
      elif key == 'padding':
        require_int(field, value, 0)
      elif key in ('crop_height', 'crop_width'):
        require(
            value is None or (isinstance(value, int) and value >= 1),
            field,
            value,
            'must be None (the image size) or a whole number >= 1',
        )
      elif key == 'mode':
        require_choice(field, value, ('constant', 'nearest'))
