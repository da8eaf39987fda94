"""FSDP on the 2-D mesh ('data', 'fsdp'): the sharding rule, the same training
as replicated, checkpoints that move between meshes, bad mesh configs."""

import functools
import os
import shutil
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from jax.sharding import NamedSharding, PartitionSpec as P

from helpers import ROOT, small_config
from jaxdl.data.normalize import identity_stats
from jaxdl.errors import ConfigError
from jaxdl.models.mlp import MLP
from jaxdl.parallel import mesh as mesh_lib
from jaxdl.parallel.sharding import MIN_SHARDED_SIZE, leaf_spec, state_shardings
from jaxdl.train import loop, steps
from jaxdl.train.config_check import check_mesh_config
from jaxdl.train.state import create_train_state
from jaxdl.train.task import classification_task

REPLICATED = {'data': -1, 'fsdp': 1}
FSDP4 = {'data': 2, 'fsdp': 4}
FSDP8 = {'data': 1, 'fsdp': 8}
# dense0 [64, 256] and dense1 [256, 128] reach MIN_SHARDED_SIZE; the head,
# the biases and BatchNorm's vectors do not.
HIDDEN = (256, 128)


def _max_abs_diff(a, b):
  a, b = jax.device_get((a, b))
  return max(float(np.max(np.abs(x - y))) for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)))


def _init_fn():
  model = MLP(10, hidden=HIDDEN, batchnorm=True)
  return functools.partial(create_train_state, model, optax.adam(3e-3))


def _init_args():
  return jnp.zeros((1, 8, 8, 1)), jax.random.key(0), identity_stats(1)


# (a) the rule ----------------------------------------------------------------


@pytest.mark.parametrize(
    'shape, fsdp, spec',
    [
        ((64, 256), 4, P(None, 'fsdp')),
        ((256, 128), 4, P('fsdp', None)),
        ((3, 3, 64, 128), 4, P(None, None, None, 'fsdp')),
        ((3, 3, 128, 128), 8, P(None, None, None, 'fsdp')),  # a tie goes to the last
        ((1002, 32), 4, P(None, 'fsdp')),  # the largest dim that fsdp divides
        ((1001, 30), 4, P()),  # none divides: replicated
        ((64, 10), 4, P()),  # small
        ((), 4, P()),  # scalar
        ((512, 512), 1, P()),  # no fsdp axis to split over
    ],
)
def test_leaf_spec(shape, fsdp, spec):
  assert leaf_spec(shape, fsdp) == spec


def test_state_shardings_on_eval_shape_output():
  mesh = mesh_lib.make_mesh(0, FSDP4)
  assert dict(mesh.shape) == {'data': 2, 'fsdp': 4}
  shapes = jax.eval_shape(_init_fn(), *_init_args())
  sh = state_shardings(shapes, mesh)
  assert all(isinstance(s, NamedSharding) and s.mesh == mesh for s in jax.tree.leaves(sh))
  adam = sh.opt_state[0]
  for tree in (sh.params, adam.mu, adam.nu):  # a parameter and its moments alike
    assert tree['dense0']['kernel'].spec == P(None, 'fsdp')
    assert tree['dense1']['kernel'].spec == P('fsdp', None)
    assert tree['head']['kernel'].spec == P()
  for leaf in (
      sh.step,
      sh.rng,
      adam.count,
      *jax.tree.leaves(sh.batch_stats),
      *jax.tree.leaves(sh.input_stats),
  ):
    assert leaf.spec == P()
  sizes = [np.prod(s.shape) for s in jax.tree.leaves(shapes)]
  specs = [s.spec for s in jax.tree.leaves(sh)]
  assert all(spec == P() for n, spec in zip(sizes, specs) if n < MIN_SHARDED_SIZE)


@pytest.mark.parametrize('shape', [None, REPLICATED])
def test_fsdp_1_is_the_replicated_layout(shape):
  mesh = mesh_lib.make_mesh(0, shape)
  sh = state_shardings(jax.eval_shape(_init_fn(), *_init_args()), mesh)
  for s in jax.tree.leaves(sh):
    assert s == NamedSharding(mesh, P()) and s.is_fully_replicated
    assert len(s.device_set) == 8


def test_batch_is_split_over_both_axes():
  assert mesh_lib.data_sharded(mesh_lib.make_mesh()).spec == P('data')
  mesh = mesh_lib.make_mesh(0, FSDP4)
  assert mesh_lib.data_sharded(mesh).spec == P(('data', 'fsdp'))
  x = mesh_lib.shard_batch({'x': np.arange(16.0).reshape(16, 1)}, mesh)['x']
  rows = sorted(tuple(np.asarray(s.data).ravel()) for s in x.addressable_shards)
  assert rows == [(2.0 * i, 2.0 * i + 1) for i in range(8)]  # 8 distinct shards
  assert mesh_lib.make_mesh(4, {'data': -1, 'fsdp': 2}).devices.shape == (2, 2)


# (b) FSDP trains like the replicated state --------------------------------------


def test_fsdp_steps_match_replicated_and_really_shard():
  from sklearn.datasets import load_digits

  x, y = load_digits(return_X_y=True)
  x = (x.reshape(-1, 8, 8, 1) / 16).astype(np.float32)
  y = y.astype(np.int32)
  init_fn = _init_fn()
  host = jax.device_get(jax.jit(init_fn)(*_init_args()).replace(rng=None))
  task = classification_task(10, 'label', 'image')
  params = {}
  for name, shape in (('replicated', REPLICATED), ('fsdp4', FSDP4), ('fsdp8', FSDP8)):
    mesh = mesh_lib.make_mesh(0, shape)
    sh = state_shardings(jax.eval_shape(init_fn, *_init_args()), mesh)
    state = jax.device_put(host, sh.replace(rng=None)).replace(
        rng=jax.device_put(jax.random.key(1), sh.rng)
    )
    step = steps.jit_train_step(mesh, task=task, state_sharding=sh)
    for i in range(20):
      batch = {'image': x[32 * i : 32 * (i + 1)], 'label': y[32 * i : 32 * (i + 1)]}
      state, _ = step(state, mesh_lib.shard_batch(batch, mesh))
    kernel, mu = state.params['dense1']['kernel'], state.opt_state[0].mu['dense1']['kernel']
    fsdp = dict(mesh.shape)['fsdp']
    assert kernel.sharding.spec == mu.sharding.spec == (P() if fsdp == 1 else P('fsdp', None))
    # Each device holds 1/fsdp of the kernel (and of its Adam moments).
    assert {s.data.shape for s in kernel.addressable_shards} == {(256 // fsdp, 128)}
    assert int(state.step) == 20
    params[name] = state.params
  # Same math; only the order of float sums (all-reduce vs reduce-scatter) differs.
  assert _max_abs_diff(params['replicated'], params['fsdp4']) <= 1e-5
  assert _max_abs_diff(params['replicated'], params['fsdp8']) <= 1e-5


# (c) checkpoints move between meshes ------------------------------------------


def _config(steps, mesh):
  # A constant learning rate: a run extended from 10 to 20 steps then has the
  # schedule of a 20-step run. No BatchNorm here: with normalised inputs the
  # always-blank pixels' dense0 gradients are 0 up to rounding, and Adam turns
  # that rounding (which differs between layouts) into steps of size lr.
  c = small_config(
      **{
          'model': 'mlp',
          'optimizer.schedule': 'constant',
          'checkpoint_every_steps': 10,
          'eval_every_steps': 100,
          'eval_train': False,
          'num_train_steps': steps,
      }
  )
  c.model_kwargs = {'hidden': HIDDEN}
  c.mesh = mesh
  return c


def _spec(result):
  return result.state.params['dense1']['kernel'].sharding.spec


def test_checkpoint_moves_between_fsdp_and_replicated(tmp_path):
  straight = loop.train_and_evaluate(_config(20, REPLICATED), str(tmp_path / 'straight'))
  assert _spec(straight) == P()

  # Saved under fsdp=4 at step 10, resumed replicated to step 20.
  first = loop.train_and_evaluate(_config(10, FSDP4), str(tmp_path / 'a'))
  assert _spec(first) == P('fsdp', None)
  resumed = loop.train_and_evaluate(_config(20, REPLICATED), str(tmp_path / 'a'))
  assert resumed.start_step == 10 and int(resumed.state.step) == 20
  assert _spec(resumed) == P()
  assert _max_abs_diff(resumed.state.params, straight.state.params) <= 1e-5
  assert _max_abs_diff(resumed.state.opt_state, straight.state.opt_state) <= 1e-5

  # Saved replicated at step 10 (the straight run without its step 20),
  # resumed under fsdp=8.
  shutil.copytree(tmp_path / 'straight', tmp_path / 'b')
  shutil.rmtree(tmp_path / 'b' / 'checkpoints' / '20')
  back = loop.train_and_evaluate(_config(20, FSDP8), str(tmp_path / 'b'))
  assert back.start_step == 10 and int(back.state.step) == 20
  assert _spec(back) == P('fsdp', None)
  assert _max_abs_diff(back.state.params, straight.state.params) <= 1e-5
  assert _max_abs_diff(back.state.opt_state, straight.state.opt_state) <= 1e-5


# (d) bad meshes -----------------------------------------------------------------


@pytest.mark.parametrize(
    'mesh, fragment',
    [
        ({'data': -1, 'model': 2}, "unknown axis 'model'"),
        ({'data': -1, 'fsdp': -1}, 'at most one axis may be -1'),
        ({'data': -1, 'fsdp': 3}, 'does not divide the 8 devices'),
        ({'data': 2, 'fsdp': 2}, 'multiply to 4, not the 8 devices'),
        ({'data': -1, 'fsdp': 0}, 'must be an integer >= 1, or -1'),
        ({'data': -1, 'fsdp': 'a'}, 'must be an integer >= 1, or -1'),
    ],
)
def test_bad_mesh_is_one_config_error_naming_the_field(mesh, fragment, tmp_path):
  for call in (
      lambda: check_mesh_config(_config(1, mesh), 8),
      lambda: loop.train_and_evaluate(_config(1, mesh), str(tmp_path)),
  ):
    with pytest.raises(ConfigError) as e:
      call()
    message = str(e.value)
    assert message.startswith('config.mesh') and fragment in message, message
    assert '\n' not in message
  assert not (tmp_path / 'checkpoints').exists()  # nothing ran


def test_launcher_mesh_override_error_is_one_line(tmp_path):
  proc = subprocess.run(
      [
          sys.executable,
          'launch/train.py',
          '--config=launch/configs/train.py:smoke',
          f'--workdir={tmp_path}',
          '--config.mesh.fsdp=3',
      ],
      cwd=ROOT,
      capture_output=True,
      text=True,
      timeout=300,
      env={**os.environ, 'PYTHONPATH': str(ROOT)},
  )
  assert proc.returncode != 0
  last = proc.stderr.strip().splitlines()[-1]
  assert last.startswith('error: config.mesh=') and 'does not divide' in last, last
