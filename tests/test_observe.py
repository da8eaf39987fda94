"""What a run reports about its speed: the window arithmetic, the learning rate
and throughput scalars in TensorBoard, the FLOPs of the step, and the trace."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.sharding import NamedSharding, PartitionSpec as P

from helpers import small_config
from jaxdl.parallel.mesh import make_mesh
from jaxdl.train import flops, loop, observe
from test_train_core import _read_scalars


def test_window_arithmetic_with_a_controlled_clock(monkeypatch):
  now = [100.0]
  monkeypatch.setattr(observe.time, 'perf_counter', lambda: now[0])
  w = observe.StepWindow(32, flops_per_step=2e12, peak_flops=10e12)
  for _ in range(4):
    w.waited(0.1)
    w.stepped()
  now[0] += 2.0  # 4 steps in 2 s, 0.4 s of it waiting for input
  s = w.summary()
  assert s['steps_per_s'] == 2.0 and s['examples_per_s'] == 64.0
  assert s['input_wait'] == pytest.approx(0.2)
  assert s['tflops_per_s'] == pytest.approx(4.0) and s['mfu'] == pytest.approx(0.4)
  w.reset()
  assert w.steps == 0 and w.wait_s == 0.0


def test_model_flops_count_the_whole_mesh():
  mesh = make_mesh()
  a = jax.device_put(jnp.ones((64, 32)), NamedSharding(mesh, P('data')))
  b = jnp.ones((32, 16))
  assert flops.model_flops(jax.jit(jnp.matmul), a, b) == 2 * 64 * 32 * 16


def test_a_run_logs_learning_rate_and_throughput_to_tensorboard(tmp_path):
  config = small_config(
      num_train_steps=30, log_every_steps=5, eval_every_steps=15, **{'optimizer.schedule': 'cosine'}
  )
  loop.train_and_evaluate(config, str(tmp_path))
  scalars = _read_scalars(tmp_path / 'tensorboard')
  lr = dict(scalars['train/learning_rate'])
  expected = optax.cosine_decay_schedule(config.optimizer.learning_rate, 30)
  for step, value in lr.items():
    assert value == pytest.approx(float(expected(step)), rel=1e-5)
  assert sorted(lr) == [5, 10, 15, 20, 25, 30]
  for tag in ('perf/steps_per_s', 'perf/examples_per_s', 'perf/tflops_per_s'):
    values = [v for _, v in scalars[tag]]
    assert all(v > 0 and math.isfinite(v) for v in values), tag
  ratio = np.asarray([v for _, v in scalars['perf/examples_per_s']]) / np.asarray(
      [v for _, v in scalars['perf/steps_per_s']]
  )
  np.testing.assert_allclose(ratio, config.batch_size, rtol=1e-5)
  assert all(0.0 <= v <= 1.0 for _, v in scalars['perf/input_wait'])
  assert 'perf/mfu' not in scalars  # no datasheet peak for a CPU


def test_profile_steps_write_a_trace(tmp_path):
  loop.train_and_evaluate(
      small_config(num_train_steps=12, profile_steps=2, profile_start_step=3), str(tmp_path)
  )
  traces = list((tmp_path / 'profile').rglob('*.xplane.pb'))
  assert traces and traces[0].stat().st_size > 0
