"""The training core: data parallelism, exact eval, NaN stop, bad configs,
early stopping, checkpoints."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from helpers import small_config
from jaxdl.errors import ConfigError, DatasetUnavailableError, NonFiniteLossError
from jaxdl.parallel.mesh import make_mesh, shard_batch
from jaxdl.train import loop
from jaxdl.train.steps import finalize_metrics, jit_eval_step, sum_metrics
from jaxdl.train.task import Task


def _max_abs_diff(a, b):
  a, b = jax.device_get((a, b))
  return max(float(np.max(np.abs(x - y))) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)))


def test_one_device_and_eight_devices_reach_the_same_parameters(tmp_path):
  assert jax.device_count() == 8
  common = {
      'num_train_steps': 12,
      'batch_size': 32,
      'model_kwargs.batchnorm': True,
      'checkpoint_every_steps': 100,
      'eval_every_steps': 100,
  }
  one = loop.train_and_evaluate(small_config(num_devices=1, **common), str(tmp_path / 'a'))
  eight = loop.train_and_evaluate(small_config(num_devices=8, **common), str(tmp_path / 'b'))
  # Same global batch, same math: the 8-way run all-reduces gradients and BN
  # statistics over the global batch, so only float summation order differs.
  assert _max_abs_diff(one.state.params, eight.state.params) < 1e-5
  assert _max_abs_diff(one.state.batch_stats, eight.state.batch_stats) < 1e-5
  assert int(one.state.step) == int(eight.state.step) == 12
  params = jax.tree.leaves(eight.state.params)[0]
  assert params.sharding.is_fully_replicated and len(params.sharding.device_set) == 8


def test_eval_counts_every_example_exactly_once_with_a_ragged_split():
  """A fake model whose 'metric' sums example ids: exact aggregation check."""
  mesh = make_mesh(8)
  n = 37  # not a multiple of the batch (16) nor of the 8 devices

  class _State:  # eval_step reads only these fields
    pass

  def loss_fn(outputs, batch):
    m = batch['mask']
    return 0.0, {'id_sum': ((batch['id'] * m).sum(), m.sum()), 'count': (m.sum(), jnp.float32(1.0))}

  task = Task(loss_fn=loss_fn, input_key='id', normalize_input=False)
  from jaxdl.train.state import TrainState
  import optax

  state = TrainState.create(
      apply_fn=lambda v, x, train: x,
      params={},
      tx=optax.sgd(0.1),
      batch_stats={},
      rng=jax.random.key(0),
      input_stats={},
  )
  eval_fn = jit_eval_step(mesh, task=task)
  split = {'id': np.arange(n, dtype=np.float32)}
  from jaxdl.data.batching import eval_batches

  total = None
  for batch in eval_batches(split, 16):
    total = sum_metrics(total, eval_fn(state, shard_batch(batch, mesh)))
  host = jax.device_get(total)
  assert float(host['count'][0]) == n
  assert float(host['id_sum'][0]) == n * (n - 1) / 2
  assert finalize_metrics(total)['id_sum'] == pytest.approx((n - 1) / 2)


def test_nan_loss_stops_at_the_first_bad_step_and_keeps_good_checkpoint(tmp_path):
  cfg = dict(
      num_train_steps=60,
      log_every_steps=4,
      checkpoint_every_steps=4,
      eval_every_steps=1000,
      **{'optimizer.name': 'sgd', 'optimizer.learning_rate': 1e6, 'optimizer.schedule': 'constant'},
  )
  with pytest.raises(NonFiniteLossError) as e:
    loop.train_and_evaluate(small_config(**cfg), str(tmp_path / 'nan'))
  bad = e.value.step
  assert f'step {bad}' in str(e.value)
  # Independent check of the step: the same run stopped one step earlier
  # finishes, and every loss up to there was finite.
  ok = loop.train_and_evaluate(
      small_config(**{**cfg, 'num_train_steps': bad - 1}), str(tmp_path / 'ok')
  )
  assert int(ok.state.step) == bad - 1
  # The last checkpoint of the failed run precedes the bad step and is finite.
  from jaxdl.train.checkpoint import Checkpointer, abstract_like

  ckpt = Checkpointer(str(tmp_path / 'nan'))
  step = (ckpt.steps() or [None])[-1]
  if step is not None:
    assert step < bad
    state, _ = ckpt.restore_latest(abstract_like(ok.state))
    assert all(bool(jnp.all(jnp.isfinite(x))) for x in jax.tree.leaves(state.params))
  assert f'last good checkpoint: step {step}' in str(e.value) or step is None


@pytest.mark.parametrize(
    'override, field',
    [
        ({'optimizer.learning_rate': -0.1}, 'optimizer.learning_rate'),
        ({'batch_size': 12}, 'batch_size'),  # 8 devices
        ({'model': 'transformer9000'}, 'model'),
        ({'optimizer.name': 'adamax_pro'}, 'optimizer.name'),
        ({'optimizer.schedule': 'zigzag'}, 'optimizer.schedule'),
        ({'data.fractions': (0.5, 0.6, 0.1)}, 'data.fractions'),
        ({'num_epochs': 0}, 'num_epochs'),
        ({'early_stopping.mode': 'sideways'}, 'early_stopping.mode'),
    ],
)
def test_bad_config_fails_before_compute_naming_the_field(tmp_path, override, field):
  with pytest.raises(ConfigError, match=f'^config.{field}=') as e:
    loop.train_and_evaluate(small_config(**override), str(tmp_path))
  assert '\n' not in str(e.value)
  assert not (tmp_path / 'checkpoints').exists()  # nothing ran


def test_unknown_dataset_names_embedded_alternatives(tmp_path):
  with pytest.raises(DatasetUnavailableError, match='digits'):
    loop.train_and_evaluate(small_config(dataset='not_a_dataset_zz'), str(tmp_path))


def test_early_stopping_stops_and_restores_the_best_dev_checkpoint(tmp_path):
  # Dev loss as the metric with a high learning rate: it stops improving.
  cfg = small_config(
      num_epochs=40,
      eval_every_steps=5,
      checkpoint_every_steps=50,
      **{
          'early_stopping.patience': 3,
          'early_stopping.metric': 'dev/loss',
          'optimizer.learning_rate': 0.05,
          'optimizer.schedule': 'constant',
      },
  )
  r = loop.train_and_evaluate(cfg, str(tmp_path))
  assert r.stopped_early
  dev_loss = r.history['dev/loss']
  best = int(np.argmin(dev_loss))
  # flax's EarlyStopping stops at the (patience + 1)-th evaluation without
  # improvement (its counter must exceed patience).
  assert len(dev_loss) - 1 - best == 3 + 1
  assert int(r.state.step) == r.history['step'][best]  # restored the best
  assert r.final['dev']['loss'] == pytest.approx(dev_loss[best], rel=1e-5)


def test_training_learns_digits_and_writes_outputs(tmp_path):
  r = loop.train_and_evaluate(small_config(num_epochs=6, human_error=0.01), str(tmp_path))
  assert r.final['test']['error'] < 0.5  # 10 classes: chance is 0.9
  assert 'human-level error  1.00%' in r.table  # config reaches the diagnosis
  for name in ('curves_error.png', 'curves_loss.png', 'results.md'):
    assert (tmp_path / name).stat().st_size > 0
  assert '| test |' in r.table


def _read_scalars(logdir):
  """Independent TFRecord reader of event files -> {tag: [(step, value)]}."""
  import struct
  from tensorboardX.proto import event_pb2

  out = {}
  for path in sorted(logdir.glob('events.out.tfevents.*')):
    data = path.read_bytes()
    pos = 0
    while pos < len(data):
      (length,) = struct.unpack('<Q', data[pos : pos + 8])
      record = data[pos + 12 : pos + 12 + length]  # skip length crc
      pos += 12 + length + 4  # skip data crc
      event = event_pb2.Event.FromString(record)
      for v in event.summary.value:
        out.setdefault(v.tag, []).append((event.step, v.simple_value))
  return out


def test_tensorboard_events_hold_the_dev_curve(tmp_path):
  r = loop.train_and_evaluate(small_config(num_train_steps=30, eval_every_steps=10), str(tmp_path))
  scalars = _read_scalars(tmp_path / 'tensorboard')
  dev = scalars['dev/error']
  assert [s for s, _ in dev] == r.history['step'] == [10, 20, 30]
  np.testing.assert_allclose([v for _, v in dev], r.history['dev/error'], rtol=1e-6)
  assert 'train/loss' in scalars and 'final/test/error' in scalars


def test_train_step_compiles_once_over_many_batches():
  import functools
  import optax
  from jaxdl.data.batching import train_batches
  from jaxdl.models.mlp import MLP
  from jaxdl.train.state import create_train_state
  from jaxdl.train.steps import jit_train_step
  from jaxdl.train.task import classification_task
  from jaxdl.parallel.mesh import replicated

  mesh = make_mesh(8)
  rng = np.random.default_rng(0)
  split = {
      'image': rng.random((100, 4, 4, 1), np.float32),
      'label': rng.integers(0, 3, 100).astype(np.int32),
  }
  init = jax.jit(
      functools.partial(create_train_state, MLP(3, hidden=(8,)), optax.adam(1e-2)),
      out_shardings=replicated(mesh),
  )
  state = init(
      jnp.zeros((1, 4, 4, 1)),
      jax.random.key(0),
      {'mean': np.zeros(1, np.float32), 'std': np.ones(1, np.float32)},
  )
  task = classification_task(3)
  traces = []

  def counting_loss(outputs, batch):
    traces.append(1)  # Python side effect: runs once per trace, not per step
    return task.loss_fn(outputs, batch)

  step = jit_train_step(mesh, task=dataclasses.replace(task, loss_fn=counting_loss))
  for batch, _ in zip(train_batches(split, 16, seed=0), range(8)):  # crosses epochs
    state, _ = step(state, shard_batch(batch, mesh))
  assert len(traces) == 1  # a retrace here would be a silent slowdown
