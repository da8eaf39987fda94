"""Mixed precision: config.dtype reaches the model, parameters and losses stay
float32, bf16/fp16 training matches fp32, and float16's dynamic loss scale
follows its rule."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from helpers import small_config
from jaxdl.errors import ConfigError
from jaxdl.models.registry import build_model
from jaxdl.train import loop, precision

# Enough steps for the MLP to learn the digits (fp32 test error ~3 %).
STEPS = {
    'model': 'mlp',
    'model_kwargs': {},
    'num_train_steps': 150,
    'batch_size': 64,
    'eval_every_steps': 150,
    'checkpoint_every_steps': 150,
    'log_every_steps': 50,
    'eval_train': False,
}


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
  return {
      d: loop.train_and_evaluate(small_config(dtype=d, **STEPS), str(tmp_path_factory.mktemp(d)))
      for d in ('float32', 'bfloat16', 'float16')
  }


@pytest.mark.parametrize('dtype', ['bfloat16', 'float16'])
def test_low_precision_training_reaches_the_float32_error(runs, dtype):
  fp32, low = runs['float32'].final['test']['error'], runs[dtype].final['test']['error']
  assert fp32 < 0.06  # it learned
  assert abs(low - fp32) <= 0.02, (dtype, low, fp32)  # 7 of 359 test digits
  # ... by another computation: the losses differ in their low bits.
  assert runs[dtype].final['test']['loss'] != runs['float32'].final['test']['loss']


@pytest.mark.parametrize('dtype', ['bfloat16', 'float16'])
def test_parameters_and_optimizer_state_stay_float32(runs, dtype):
  state = runs[dtype].state
  for leaf in jax.tree.leaves((state.params, state.opt_state, state.batch_stats)):
    if jnp.issubdtype(leaf.dtype, jnp.floating):
      assert leaf.dtype == jnp.float32


def test_float16_runs_carry_a_loss_scale_and_others_do_not(runs):
  assert runs['float32'].state.loss_scale is None
  assert runs['bfloat16'].state.loss_scale is None
  scale = runs['float16'].state.loss_scale
  assert float(scale.scale) >= 1.0 and int(scale.good_steps) >= 0


@pytest.mark.parametrize('dtype,tag', [('bfloat16', 'bf16'), ('float16', 'f16')])
def test_the_model_computes_in_the_configured_dtype(dtype, tag):
  model = build_model('cnn', 10, dtype=precision.compute_dtype(dtype), features=(4,), dense=8)
  x = jnp.ones((2, 8, 8, 1))
  variables = model.init(jax.random.key(0), x)
  text = str(jax.make_jaxpr(lambda v: model.apply(v, x))(variables))
  assert f'{tag}[2,8,8,4]' in text  # the conv's activations
  assert all(p.dtype == jnp.float32 for p in jax.tree.leaves(variables['params']))


def test_loss_scale_halves_on_overflow_and_doubles_after_a_period():
  s = precision.DynamicLossScale.create(initial=8.0, period=3)
  for expected in (8.0, 8.0, 16.0):  # two finite steps count up, the third doubles
    s = s.adjust(jnp.asarray(True))
  assert float(s.scale) == 16.0 and int(s.good_steps) == 0
  s = s.adjust(jnp.asarray(False))
  assert float(s.scale) == 8.0 and int(s.good_steps) == 0
  tiny = precision.DynamicLossScale.create(initial=1.0)
  assert float(tiny.adjust(jnp.asarray(False)).scale) == 1.0  # floor at 1
  grads = {'w': jnp.asarray([2.0, 4.0], jnp.float16)}
  np.testing.assert_array_equal(s.unscale(grads)['w'], np.asarray([0.25, 0.5]))
  assert not bool(precision.all_finite({'a': jnp.asarray([1.0, jnp.inf])}))


def test_an_overflowing_float16_step_keeps_the_parameters(tmp_path):
  """With a scale of 2**40 every fp16 gradient overflows: no update is applied."""
  import functools
  from jaxdl.optim.factory import make_optimizer
  from jaxdl.parallel import mesh as mesh_lib
  from jaxdl.train.state import create_train_state
  from jaxdl.train.steps import train_step
  from jaxdl.train.task import classification_task
  from jaxdl.data.normalize import identity_stats
  import ml_collections

  model = build_model('mlp', 3, dtype=jnp.float16, hidden=(8,))
  tx = make_optimizer(ml_collections.ConfigDict({'name': 'sgd', 'learning_rate': 0.1}), 1, 2)
  x = jnp.ones((4, 5))
  state = create_train_state(
      model,
      tx,
      x,
      jax.random.key(0),
      identity_stats(5),
      precision.DynamicLossScale.create(initial=2.0**40),
  )
  batch = {'image': x, 'label': jnp.asarray([0, 1, 2, 0])}
  step = jax.jit(functools.partial(train_step, task=classification_task(3)))
  new, metrics = step(state, batch)
  jax.tree.map(np.testing.assert_array_equal, new.params, state.params)
  assert int(new.step) == 1 and float(new.loss_scale.scale) == 2.0**39
  assert float(metrics['skipped_steps'][0]) == 1.0
  del mesh_lib


def test_an_unsupported_dtype_is_a_one_line_error(tmp_path):
  with pytest.raises(ConfigError, match='dtype') as e:
    loop.train_and_evaluate(small_config(dtype='float64'), str(tmp_path))
  assert '\n' not in str(e.value) and 'bfloat16' in str(e.value)
  with pytest.raises(ConfigError, match='model_kwargs.dtype'):
    loop.train_and_evaluate(small_config(**{'model_kwargs.dtype': 'bfloat16'}), str(tmp_path / 'b'))


@pytest.mark.parametrize('experiment', ['classify', 'char_lm'])
def test_config_dtype_reaches_the_experiments_that_build_their_own_model(
    experiment, tmp_path, monkeypatch
):
  """Each of these experiments builds its model itself; bfloat16 must reach it."""
  from jaxdl.review.config_file import load_config

  config = load_config(f'launch/configs/{experiment}.py:smoke')
  config.dtype = 'bfloat16'
  seen = []
  import flax.linen as nn

  original_apply = nn.Module.apply

  def spy(self, *args, **kwargs):  # every model's apply during the run
    if hasattr(self, 'dtype') and self.parent is None:
      seen.append(self.dtype)
    return original_apply(self, *args, **kwargs)

  import importlib

  module = importlib.import_module(
      {
          'classify': 'jaxdl.convnets.classify_experiment',
          'char_lm': 'jaxdl.sequence.char_lm_experiment',
      }[experiment]
  )
  monkeypatch.setattr(nn.Module, 'apply', spy)
  module.run(
      config, str(tmp_path), **({'print_fn': lambda *a: None} if experiment == 'char_lm' else {})
  )
  assert seen and all(d == jnp.bfloat16 for d in seen), seen
