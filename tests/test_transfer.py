"""Tests for jaxdl.transfer: freezing, backbone learning rate, loading a run's checkpoint."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.data.dataset import Dataset, DatasetInfo
from jaxdl.models.cnn import SmallCNN
from jaxdl.parallel import mesh as mesh_lib
from jaxdl.train.checkpoint import Checkpointer
from jaxdl.train.state import create_train_state
from jaxdl.train.task import classification_task
from jaxdl.transfer import digit_tasks, finetune, freezing, pretrained


@functools.lru_cache(maxsize=None)
def _params(num_classes=3, seed=0):
  model = SmallCNN(num_classes=num_classes, features=(2, 4), dense=8)
  init = jax.jit(model.init)  # one compiled call instead of many eager dispatches
  return model, init(jax.random.key(seed), jnp.zeros((1, 8, 8, 1)))['params']


def _random_grads(params, seed=1):
  rng = np.random.default_rng(seed)
  return jax.tree.map(lambda x: rng.standard_normal(x.shape).astype(np.float32), params)


def _run(tx, params, steps=3):
  @jax.jit
  def step(params, state, grads):
    updates, state = tx.update(grads, state, params)
    return optax.apply_updates(params, updates), state

  state = tx.init(params)
  for s in range(steps):
    params, state = step(params, state, _random_grads(params, s))
  return params


def test_param_labels():
  _, params = _params()
  labels = freezing.param_labels(params)
  assert labels['head'] == {'bias': 'head', 'kernel': 'head'}
  assert set(jax.tree.leaves(labels['conv0'])) == {'backbone'}
  with pytest.raises(ValueError, match="\\['classifier'\\] not among"):
    freezing.param_labels(params, head_modules=('classifier',))


def test_frozen_backbone_never_moves_even_with_weight_decay():
  _, params = _params()
  base = optax.chain(optax.add_decayed_weights(0.1), optax.adam(0.1))
  after = _run(freezing.transfer_optimizer(base, params, 'frozen'), params)
  for module in ('conv0', 'conv1', 'dense'):
    jax.tree.map(np.testing.assert_array_equal, after[module], params[module])
  assert not np.allclose(after['head']['kernel'], params['head']['kernel'])


@pytest.mark.parametrize('base_fn', [lambda: optax.sgd(0.1), lambda: optax.adam(0.01)])
def test_finetune_backbone_moves_scale_times_the_base_update(base_fn):
  _, params = _params()
  scale = 0.1
  after = _run(
      freezing.transfer_optimizer(base_fn(), params, 'finetune', backbone_lr_scale=scale), params
  )
  reference = _run(base_fn(), params)  # the same optimizer on every leaf, full rate
  # Head: exactly the base optimizer. Backbone: the base update times `scale`
  # (one step for Adam; SGD stays linear over every step).
  jax.tree.map(
      functools.partial(np.testing.assert_allclose, rtol=1e-5), after['head'], reference['head']
  )
  one = _run(
      freezing.transfer_optimizer(base_fn(), params, 'finetune', backbone_lr_scale=scale),
      params,
      steps=1,
  )
  one_ref = _run(base_fn(), params, steps=1)
  moved = jax.tree.map(lambda a, p: a - p, one['conv0'], params['conv0'])
  ref_moved = jax.tree.map(lambda a, p: scale * (a - p), one_ref['conv0'], params['conv0'])
  jax.tree.map(
      functools.partial(np.testing.assert_allclose, rtol=1e-4, atol=1e-7), moved, ref_moved
  )
  assert freezing.transfer_optimizer(base_fn(), params, 'scratch') is not None


def test_bad_optimizer_args():
  _, params = _params()
  with pytest.raises(ValueError, match='mode must be'):
    freezing.transfer_optimizer(optax.sgd(1.0), params, 'partial')
  with pytest.raises(ValueError, match='backbone_lr_scale'):
    freezing.transfer_optimizer(optax.sgd(1.0), params, 'finetune', backbone_lr_scale=0.0)


@pytest.fixture(scope='module')
def source_run(tmp_path_factory):
  """A checkpoint written by the core Checkpointer from a state on the 8-device mesh."""
  workdir = str(tmp_path_factory.mktemp('source'))
  model = SmallCNN(num_classes=5, features=(2, 4), dense=8)
  mesh = mesh_lib.make_mesh()
  init = jax.jit(
      functools.partial(create_train_state, model, optax.adam(1e-3)),
      out_shardings=mesh_lib.replicated(mesh),
  )
  stats = {'mean': np.array([0.3], np.float32), 'std': np.array([0.4], np.float32)}
  state = init(jnp.zeros((1, 8, 8, 1)), jax.random.key(3), stats)
  ckpt = Checkpointer(workdir)
  ckpt.save(7, state, {'finished': True}, {'dev/error': 0.25})
  ckpt.wait()
  ckpt.close()
  return workdir, jax.device_get(state.params)


@pytest.mark.parametrize('which', ['best', 'latest'])
def test_load_pretrained_restores_params_and_stats(source_run, which):
  workdir, params = source_run
  loaded = pretrained.load_pretrained(workdir, which)
  assert loaded.step == 0
  jax.tree.map(np.testing.assert_array_equal, loaded.params, params)
  np.testing.assert_allclose(loaded.input_stats['mean'], [0.3])
  with pytest.raises(FileNotFoundError):
    pretrained.load_pretrained(workdir + '/nowhere')


def test_transplant_and_warm_start_under_jit(source_run):
  workdir, source = source_run
  loaded = pretrained.load_pretrained(workdir)
  model = SmallCNN(num_classes=3, features=(2, 4), dense=8)  # new head: 3 classes, not 5
  warm = pretrained.WarmStart(model, loaded)
  init = jax.jit(functools.partial(create_train_state, warm, optax.sgd(0.1)))
  state = init(jnp.zeros((1, 8, 8, 1)), jax.random.key(0), loaded.input_stats)
  for module in ('conv0', 'conv1', 'dense'):
    jax.tree.map(np.testing.assert_array_equal, state.params[module], source[module])
  assert state.params['head']['kernel'].shape == (8, 3)
  _, other = _params(3)
  with pytest.raises(ValueError, match="module 'conv0'"):
    pretrained.transplant(
        jax.jit(SmallCNN(3, features=(3, 4), dense=8).init)(
            jax.random.key(0), jnp.zeros((1, 8, 8, 1))
        )['params'],
        source,
    )
  with pytest.raises(ValueError, match='not in the target'):
    pretrained.transplant({'head': other['head']}, source)


def test_finetune_frozen_keeps_backbone_and_learns_head(source_run):
  workdir, source = source_run
  loaded = pretrained.load_pretrained(workdir)
  rng = np.random.default_rng(0)
  labels = rng.integers(0, 3, 64).astype(np.int32)
  images = (rng.random((64, 8, 8, 1)) * 0.2 + labels[:, None, None, None] * 0.3).astype(np.float32)
  split = {'image': images, 'label': labels}
  dataset = Dataset('toy', {'train': split, 'dev': split}, DatasetInfo(num_classes=3))
  model = pretrained.WarmStart(SmallCNN(num_classes=3, features=(2, 4), dense=8), loaded)
  result = finetune.finetune(
      dataset,
      model,
      lambda p: freezing.transfer_optimizer(optax.adam(0.05), p, 'frozen'),
      classification_task(3),
      num_steps=30,
      batch_size=16,
      input_stats=loaded.input_stats,
      eval_every_steps=10,
  )
  params = jax.device_get(result.state.params)
  for module in ('conv0', 'conv1', 'dense'):
    jax.tree.map(np.testing.assert_array_equal, params[module], source[module])
  assert result.history['step'] == [10, 20, 30]
  assert result.final['train']['error'] < 0.5  # well below the 2/3 of chance


def test_digit_tasks_are_disjoint_few_shot():
  a, b = digit_tasks.digit_tasks(seed=0, shots_per_class=3)
  assert a.info.num_classes == 5 and b.info.num_classes == 5
  assert sorted(np.unique(a.splits['train']['label'])) == [0, 1, 2, 3, 4]
  np.testing.assert_array_equal(np.bincount(b.splits['train']['label']), [3] * 5)
  n_b = sum(len(s['label']) for s in b.splits.values())
  n_a = sum(len(s['label']) for s in a.splits.values())
  from sklearn.datasets import load_digits

  target = load_digits().target
  assert n_a == np.isin(target, range(5)).sum() and n_b == np.isin(target, range(5, 10)).sum()
  with pytest.raises(ValueError, match='disjoint'):
    digit_tasks.digit_tasks(classes_a=(0, 1), classes_b=(1, 2))


def test_photo_tasks_a_clean_b_few_shot_photos():
  from sklearn.datasets import load_digits

  a, b = digit_tasks.photo_tasks(seed=0, shots_per_class=2)
  assert a.info.num_classes == b.info.num_classes == 10
  np.testing.assert_array_equal(np.bincount(b.splits['train']['label']), [2] * 10)
  clean = {img.tobytes() for img in (load_digits().images / 16.0).astype(np.float32)[..., None]}
  assert all(img.tobytes() in clean for img in a.splits['train']['image'])
  assert not any(img.tobytes() in clean for s in b.splits.values() for img in s['image'])
  assert sum(len(s['label']) for s in (*a.splits.values(), *b.splits.values())) == 1797
