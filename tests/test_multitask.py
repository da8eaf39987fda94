"""Tests for jaxdl.multitask: the masked loss on hand values, the shapes data."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn.metrics import log_loss

from jaxdl.multitask import loss as mt_loss
from jaxdl.multitask import shapes


def _bce(logit, y):
  p = 1 / (1 + math.exp(-logit))
  return -(y * math.log(p) + (1 - y) * math.log(1 - p))


def test_notes_example_1_0_missing_1():
  # notes 3.15: labels (1, 0, ?, 1): the '?' term is left out of the average.
  logits = jnp.array([[2.0, -1.0, 0.5, 0.0]])
  labels = jnp.array([[1, 0, -1, 1]])  # -1 stands in for '?'
  mask = jnp.array([[1.0, 1.0, 0.0, 1.0]])
  total, count = mt_loss.masked_sigmoid_loss(logits, labels, mask)
  # Hand values: log(1+e^-2) = 0.126928, log(1+e^-1) = 0.313262, log 2 = 0.693147.
  assert float(count) == 3.0
  assert float(total) == pytest.approx(0.126928 + 0.313262 + 0.693147, abs=1e-5)
  assert float(total) == pytest.approx(_bce(2.0, 1) + _bce(-1.0, 0) + _bce(0.0, 1), rel=1e-6)


def test_masked_loss_matches_sklearn_log_loss_and_ignores_missing_gradient():
  rng = np.random.default_rng(0)
  logits = rng.normal(size=(6, 3)).astype(np.float32)
  labels = rng.integers(0, 2, (6, 3))
  mask = (rng.random((6, 3)) > 0.3).astype(np.float32)
  total, count = mt_loss.masked_sigmoid_loss(
      jnp.asarray(logits), jnp.asarray(labels), jnp.asarray(mask)
  )
  keep = mask > 0
  p = 1 / (1 + np.exp(-logits[keep]))
  want = log_loss(labels[keep], p, labels=[0, 1])
  assert float(total / count) == pytest.approx(want, rel=1e-5)
  grad = jax.grad(lambda z: mt_loss.masked_sigmoid_loss(z, labels, mask)[0])(jnp.asarray(logits))
  np.testing.assert_array_equal(np.asarray(grad)[~keep], 0.0)
  # Garbage (even NaN-producing) labels under the mask change nothing.
  junk = np.where(keep, labels, 7)
  assert float(mt_loss.masked_sigmoid_loss(logits, junk, mask)[0]) == pytest.approx(float(total))


def test_multilabel_task_metrics_with_padding():
  task = mt_loss.multilabel_task(2, task_names=('a', 'b'))
  logits = jnp.array([[3.0, -2.0], [1.0, 1.0], [-1.0, 5.0]])
  batch = {
      'label': jnp.array([[1, 1], [0, 1], [1, 1]]),
      'label_mask': jnp.array([[1.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
      'mask': jnp.array([1.0, 1.0, 0.0]),
  }  # third row is padding
  loss, metrics = task.loss_fn(logits, batch)
  # Present: (3,1) right, (-2,1) wrong, (1,0) wrong; task b's second label is '?'.
  want = (_bce(3.0, 1) + _bce(-2.0, 1) + _bce(1.0, 0)) / 3
  assert float(loss) == pytest.approx(want, rel=1e-6)
  assert [float(x) for x in metrics['error']] == [2.0, 3.0]
  assert [float(x) for x in metrics['error_a']] == [1.0, 2.0]
  assert [float(x) for x in metrics['error_b']] == [1.0, 1.0]
  with pytest.raises(ValueError, match='heads'):
    task.loss_fn(jnp.zeros((3, 3)), batch)


def test_shapes_generator_draws_what_the_labels_say():
  rng = np.random.default_rng(0)
  split = shapes.generate(200, rng, noise_std=0.0, missing_fraction=0.0)
  assert split['image'].shape == (200, 16, 16, 1) and split['label'].shape == (200, 4)
  assert 0 <= split['image'].min() and split['image'].max() <= 1
  # Without noise, a blank image means no shape, and the lit pixel count is
  # the sum of the glyph sizes (cells never overlap).
  sizes = shapes.GLYPHS.reshape(4, -1).sum(1)
  lit = (split['image'][..., 0] > 0).reshape(200, -1).sum(1)
  np.testing.assert_array_equal(lit, split['label'] @ sizes)
  assert 0.4 < split['label'].mean() < 0.6


def test_shapes_missing_labels_only_in_train_and_reproducible():
  splits, info = shapes.load(seed=1, sizes=(300, 100, 100), missing_fraction=0.3)
  assert info.num_classes == 4 and info.class_names == shapes.SHAPE_NAMES
  assert 0.25 < 1 - splits['train']['label_mask'].mean() < 0.35
  assert splits['dev']['label_mask'].min() == 1 and splits['test']['label_mask'].min() == 1
  np.testing.assert_array_equal(splits['train']['label'][splits['train']['label_mask'] == 0], 0)
  again, _ = shapes.load(seed=1, sizes=(300, 100, 100), missing_fraction=0.3)
  np.testing.assert_array_equal(again['dev']['image'], splits['dev']['image'])


def test_single_task_keeps_present_labels():
  split = {
      'image': np.arange(4)[:, None],
      'label': np.array([[1, 0], [0, 1], [1, 1], [0, 0]]),
      'label_mask': np.array([[1, 0], [0, 1], [1, 1], [0, 1]], np.float32),
  }
  one = shapes.single_task(split, 1)
  np.testing.assert_array_equal(one['image'][:, 0], [1, 2, 3])
  np.testing.assert_array_equal(one['label'][:, 0], [1, 1, 0])
  with pytest.raises(ValueError, match='task must be'):
    shapes.single_task(split, 2)


def test_bad_inputs_raise():
  with pytest.raises(ValueError, match='same'):
    mt_loss.masked_sigmoid_loss(jnp.zeros((2, 3)), jnp.zeros((2, 2)), jnp.zeros((2, 3)))
  with pytest.raises(ValueError, match='missing_fraction'):
    shapes.generate(3, np.random.default_rng(0), missing_fraction=1.0)
  with pytest.raises(ValueError, match='task_names'):
    mt_loss.multilabel_task(3, task_names=('a',))
