"""The public API: cheap imports, names that resolve, and the plain-argument forms.

* ``import jaxdl`` (and any subpackage) loads no jax, so XLA_FLAGS can still
  be set after it (jaxdl.cpu, the launchers).
* Every name in a package's ``__all__`` resolves, and none is also the name
  of a submodule (importing that submodule would replace it).
* make_optimizer / make_schedule with plain arguments equal the config-block
  form and, independently, the optax chain written out by hand.
* create_train_state without input_stats equals it with identity statistics.
"""

import importlib
import pkgutil
import subprocess
import sys
import types

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import optax
import pytest

from helpers import ROOT

import jaxdl
from jaxdl.errors import ConfigError

PACKAGES = (
    ['jaxdl'] + [f'jaxdl.{p}' for p in jaxdl.SUBPACKAGES if p != 'cpu'] + ['jaxdl.models.zoo']
)  # jaxdl.cpu keeps its own eager, jax-free content


def test_import_jaxdl_and_its_subpackages_loads_no_jax():
  subpackages = ', '.join(f'jaxdl.{p}' for p in jaxdl.SUBPACKAGES)
  code = (
      f'import sys, jaxdl, {subpackages}\n'
      'heavy = sorted(m for m in sys.modules if m.split(".")[0] in '
      '("jax", "jaxlib", "flax", "optax", "tensorflow_datasets", "grain"))\n'
      'assert not heavy, heavy\n'
      'assert callable(jaxdl.cpu.tune_process)\n'
  )
  subprocess.run([sys.executable, '-c', code], cwd=ROOT, check=True)


def test_subpackages_are_reached_from_jaxdl_alone():
  code = (
      'import jaxdl\n'
      'print(jaxdl.train.create_train_state.__module__, jaxdl.train.steps.__name__)\n'
  )
  out = subprocess.run(
      [sys.executable, '-c', code], cwd=ROOT, check=True, capture_output=True, text=True
  ).stdout.split()
  assert out == ['jaxdl.train.state', 'jaxdl.train.steps']


@pytest.mark.parametrize('name', PACKAGES)
def test_every_exported_name_resolves(name):
  package = importlib.import_module(name)
  assert package.__doc__ and package.__doc__.strip()
  assert len(package.__all__) == len(set(package.__all__)), 'duplicate exports'
  submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
  for public in package.__all__:
    value = getattr(package, public)
    if public in submodules:  # a public submodule, never a name it would shadow
      assert isinstance(value, types.ModuleType), public
  assert set(package.__all__) <= set(dir(package))
  namespace = {}
  exec(f'from {name} import *', namespace)
  assert set(package.__all__) <= set(namespace)


def test_unknown_attribute_is_an_attribute_error():
  with pytest.raises(AttributeError, match='no_such_thing'):
    jaxdl.train.no_such_thing  # noqa: B018
  assert not hasattr(jaxdl.models, 'NoSuchModel')


def test_the_api_the_readme_composes():
  from jaxdl import data, models, optim, parallel, train

  for fn in (
      train.train_and_evaluate,
      train.create_train_state,
      train.train_step,
      train.eval_step,
      train.jit_train_step,
      train.jit_eval_step,
      train.predict,
      train.classification_task,
      train.language_model_task,
      models.build_model,
      optim.make_optimizer,
      optim.make_schedule,
      data.load_dataset,
      data.train_batches,
      data.eval_batches,
      data.TrainStream,
      data.eval_stream,
      parallel.make_mesh,
      parallel.shard_batch,
      parallel.replicated,
      parallel.data_sharded,
      parallel.state_shardings,
  ):
    assert callable(fn)
  assert train.TrainState is importlib.import_module('jaxdl.train.state').TrainState
  assert models.LeNet5 is importlib.import_module('jaxdl.models.zoo.lenet').LeNet5
  assert set(models.MODELS) >= {'lenet5', 'resnet18', 'vgg16'}


# --- make_optimizer / make_schedule: plain == config == optax by hand ---------

STEPS = 30


def _run(tx):
  """Parameters after STEPS updates on a least-squares problem (two leaves)."""
  rng = np.random.default_rng(0)
  a, b = jnp.asarray(rng.normal(size=(16, 4))), jnp.asarray(rng.normal(size=16))
  params = {'w': jnp.asarray(rng.normal(size=4)), 'c': jnp.asarray(0.5)}

  def loss(p):
    return jnp.mean((a @ p['w'] + p['c'] - b) ** 2)

  state = tx.init(params)
  for _ in range(STEPS):
    updates, state = tx.update(jax.grad(loss)(params), state, params)
    params = optax.apply_updates(params, updates)
  return np.concatenate([np.ravel(params['w']), np.ravel(params['c'])])


# (plain args, plain kwargs, config fields, steps_per_epoch, total_steps, by hand)
CASES = {
    'adam': (
        ('adam', 1e-3),
        {},
        dict(name='adam', learning_rate=1e-3),
        1,
        STEPS,
        lambda: optax.adam(1e-3),
    ),
    'momentum_cosine_wd': (
        ('momentum', 0.1),
        dict(schedule='cosine', total_steps=1000, weight_decay=1e-4),
        dict(name='momentum', learning_rate=0.1, schedule='cosine', weight_decay=1e-4),
        10,
        1000,
        lambda: optax.chain(
            optax.add_decayed_weights(1e-4),
            optax.sgd(optax.cosine_decay_schedule(0.1, 1000), momentum=0.9),
        ),
    ),
    'adamw_warmup_clip': (
        ('adamw', 3e-3),
        dict(
            schedule='warmup_cosine',
            total_steps=STEPS,
            warmup_steps=10,
            weight_decay=0.01,
            grad_clip_norm=1.0,
        ),
        dict(
            name='adamw',
            learning_rate=3e-3,
            schedule='warmup_cosine',
            warmup_epochs=2,
            weight_decay=0.01,
            grad_clip_norm=1.0,
        ),
        5,
        STEPS,
        lambda: optax.chain(
            optax.clip_by_global_norm(1.0),
            optax.adamw(
                optax.warmup_cosine_decay_schedule(0.0, 3e-3, 10, STEPS), weight_decay=0.01
            ),
        ),
    ),
    'nesterov_exponential': (
        ('nesterov', 0.05),
        dict(schedule='exponential', steps_per_epoch=5, decay_rate=0.9, momentum=0.8),
        dict(
            name='nesterov',
            learning_rate=0.05,
            schedule='exponential',
            decay_rate=0.9,
            momentum=0.8,
        ),
        5,
        STEPS,
        lambda: optax.sgd(optax.exponential_decay(0.05, 5, 0.9), momentum=0.8, nesterov=True),
    ),
    'rmsprop': (
        ('rmsprop', 0.01),
        {},
        dict(name='rmsprop', learning_rate=0.01),
        1,
        STEPS,
        lambda: optax.rmsprop(0.01, decay=0.9, eps=1e-8),
    ),
    'sgd_l2': (
        ('sgd', 0.1),
        dict(weight_decay=0.5),
        dict(name='sgd', learning_rate=0.1, weight_decay=0.5),
        1,
        STEPS,
        lambda: optax.chain(optax.add_decayed_weights(0.5), optax.sgd(0.1)),
    ),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_make_optimizer_plain_equals_config_and_optax(case):
  args, kwargs, fields, steps_per_epoch, total_steps, by_hand = CASES[case]
  plain = _run(jaxdl.optim.make_optimizer(*args, **kwargs))
  cfg = ml_collections.ConfigDict(fields)
  config_form = _run(jaxdl.optim.make_optimizer(cfg, steps_per_epoch, total_steps))
  keywords = _run(
      jaxdl.optim.make_optimizer(cfg, steps_per_epoch=steps_per_epoch, total_steps=total_steps)
  )
  reference = _run(by_hand())
  np.testing.assert_allclose(plain, reference, rtol=1e-6, atol=1e-7)
  np.testing.assert_allclose(config_form, reference, rtol=1e-6, atol=1e-7)
  np.testing.assert_array_equal(config_form, keywords)
  assert not np.allclose(reference, _run(optax.sgd(0.0)))  # the problem moves


def test_make_optimizer_takes_a_schedule_callable():
  schedule = optax.linear_schedule(0.1, 0.0, STEPS)
  np.testing.assert_allclose(
      _run(jaxdl.optim.make_optimizer('sgd', schedule)), _run(optax.sgd(schedule)), rtol=1e-6
  )


def test_make_schedule_plain_equals_config_and_optax():
  steps = np.arange(0, 120, 7)
  plain = jaxdl.optim.make_schedule('warmup_cosine', 0.1, total_steps=100, warmup_steps=10)
  cfg = ml_collections.ConfigDict(
      dict(learning_rate=0.1, schedule='warmup_cosine', warmup_epochs=2)
  )
  config_form = jaxdl.optim.make_schedule(cfg, 5, 100)
  reference = optax.warmup_cosine_decay_schedule(0.0, 0.1, 10, 100)
  for s in steps:
    assert float(plain(s)) == pytest.approx(float(reference(s)), rel=1e-6, abs=1e-9)
    assert float(config_form(s)) == pytest.approx(float(reference(s)), rel=1e-6, abs=1e-9)
  # A notes 2.8 decay: alpha0 / (1 + decay_rate * epoch_num), epochs counted from 1.
  inverse_time = jaxdl.optim.make_schedule('inverse_time', 0.2, steps_per_epoch=5, decay_rate=0.5)
  for s in steps:
    assert float(inverse_time(s)) == pytest.approx(0.2 / (1 + 0.5 * (1 + s // 5)), rel=1e-6)


BAD_ARGUMENTS = [
    (('adamx', 1e-3), {}, 'name'),
    (('adam', -1.0), {}, 'learning_rate'),
    (('adam', 'fast'), {}, 'learning_rate'),
    (('adam', 1e-3), dict(schedule='linear'), 'schedule'),
    (('adam', 1e-3), dict(schedule='cosine'), 'total_steps'),
    (('adam', 1e-3), dict(schedule='cosine', total_steps=0), 'total_steps'),
    (('adam', 1e-3), dict(steps_per_epoch=0), 'steps_per_epoch'),
    (('sgd', 0.1), dict(weight_decay=-1e-4), 'weight_decay'),
    (('momentum', 0.1), dict(momentum=1.0), 'momentum'),
    (('adam', 1e-3), dict(b2=1.5), 'b2'),
    (('adam', 1e-3), dict(eps=0.0), 'eps'),
    (('adam', 1e-3), dict(grad_clip_norm=-1.0), 'grad_clip_norm'),
    (('adam', 1e-3), dict(lr=1e-3), 'lr'),
    (('sgd', optax.constant_schedule(0.1)), dict(schedule='cosine', total_steps=9), 'schedule'),
]


@pytest.mark.parametrize(
    'args,kwargs,argument', BAD_ARGUMENTS, ids=[f'{b[2]}-{i}' for i, b in enumerate(BAD_ARGUMENTS)]
)
def test_bad_plain_arguments_are_one_line_config_errors(args, kwargs, argument):
  with pytest.raises(ConfigError) as e:
    jaxdl.optim.make_optimizer(*args, **kwargs)
  message = str(e.value)
  assert '\n' not in message
  assert message.startswith('make_optimizer: ')
  assert f'{argument}=' in message


def test_bad_schedule_arguments_are_one_line_config_errors():
  for args, kwargs, argument in [
      (('cosine', 0.1), {}, 'total_steps'),
      (('staircase', 0.1), dict(drop=2.0), 'drop'),
      (('constant', 0.0), {}, 'learning_rate'),
      (('constant', 0.1), dict(schedule='cosine'), 'schedule'),
  ]:
    with pytest.raises(ConfigError) as e:
      jaxdl.optim.make_schedule(*args, **kwargs)
    assert '\n' not in str(e.value) and f'{argument}=' in str(e.value), str(e.value)


def test_config_form_errors_are_unchanged():
  cfg = ml_collections.ConfigDict(dict(name='adamx', learning_rate=0.1))
  with pytest.raises(ValueError, match='unknown config.optimizer.name'):
    jaxdl.optim.make_optimizer(cfg, 1, 1)
  cfg = ml_collections.ConfigDict(dict(name='adam', learning_rate=0.1, schedule='linear'))
  with pytest.raises(ValueError, match='unknown config.optimizer.schedule'):
    jaxdl.optim.make_schedule(cfg, 1, 1)


# --- create_train_state without input_stats ----------------------------------


def _leaves_equal(a, b):
  assert jax.tree.structure(a) == jax.tree.structure(b)
  for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
    np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_create_train_state_default_stats_are_identity():
  from jaxdl import data, models, train

  model = models.build_model('cnn', num_classes=10)
  x = jnp.zeros((2, 8, 8, 3))
  tx = optax.sgd(0.1)
  default = train.create_train_state(model, tx, x, jax.random.key(0))
  given = train.create_train_state(model, tx, x, jax.random.key(0), data.identity_stats(3))
  _leaves_equal(default.input_stats, given.input_stats)
  np.testing.assert_array_equal(default.input_stats['mean'], np.zeros(3, np.float32))
  np.testing.assert_array_equal(default.input_stats['std'], np.ones(3, np.float32))
  _leaves_equal(
      (default.params, default.opt_state, jax.random.key_data(default.rng)),
      (given.params, given.opt_state, jax.random.key_data(given.rng)),
  )
  task = train.classification_task(10)
  batch = {
      'image': np.random.default_rng(0).random((2, 8, 8, 3), np.float32),
      'label': np.array([1, 2], np.int32),
  }
  _leaves_equal(
      train.train_step(default, batch, task=task)[1], train.train_step(given, batch, task=task)[1]
  )


def test_create_train_state_default_stats_for_token_inputs():
  from jaxdl import models, train

  model = models.build_model('char_lm', num_classes=12, embed_dim=8, features=16)
  tokens = jnp.zeros((2, 5), jnp.int32)  # [B, T] ids: the stats are never applied
  state = train.create_train_state(model, optax.adam(1e-3), tokens, jax.random.key(0))
  assert state.input_stats['mean'].shape == (5,)
  batch = {
      'inputs': np.ones((2, 5), np.int32),
      'targets': np.ones((2, 5), np.int32),
      'target_mask': np.ones((2, 5), np.float32),
  }
  new_state, metrics = train.train_step(state, batch, task=train.language_model_task())
  assert int(new_state.step) == 1 and np.isfinite(float(metrics['loss'][0]))
