"""launch/metrics.py: F1, model selection and weighted error end to end (notes 3.2, 3.3, 3.6)."""

import os

import numpy as np
import pytest
from sklearn import metrics as skm

from jaxdl.analysis import metrics_experiment as mx
from jaxdl.errors import ConfigError
from jaxdl.review.config_file import load_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _config(variant='smoke'):
  return load_config(
      os.path.join(ROOT, 'launch', 'configs', f'metrics.py{":" + variant if variant else ""}')
  )


@pytest.fixture(scope='module')
def smoke(tmp_path_factory):
  workdir = str(tmp_path_factory.mktemp('metrics'))
  result = mx.run(_config(), workdir)
  return result, mx.report(result, workdir)


def test_f1_in_report_equals_sklearn_on_the_returned_predictions(smoke):
  result, text = smoke
  assert set(result.predictions) == {'mlp4', 'mlp32', 'plain', 'weighted'}
  for name, values in result.candidates.items():
    want = skm.f1_score(
        result.labels,
        result.predictions[name],
        average='macro',
        labels=list(range(10)),
        zero_division=0,
    )
    assert values['dev_f1'] == pytest.approx(want, abs=1e-12)
    assert f'| {name} | {want:g} |' in text


def test_selection_picks_the_constrained_winner(smoke):
  result, text = smoke
  c = result.candidates
  # One hidden layer on 64 pixels, 10 classes: w*(64+1) + 10*(w+1) parameters.
  assert c['mlp4']['params'] == 4 * 65 + 10 * 5
  assert c['mlp32']['params'] == 32 * 65 + 10 * 33
  assert all(v['ms'] > 0 for v in c.values())
  assert result.satisficing == {'params': ('<=', 1000)}
  # By hand: only mlp4 has <= 1000 parameters; without the limit the higher F1 wins.
  assert result.constrained.name == 'mlp4'
  assert result.constrained.rejected == {'mlp32': ['params=2410 fails <= 1000']}
  best = max(c, key=lambda n: c[n]['dev_f1'])
  assert result.unconstrained.name == best
  assert f'with the limit:    mlp4 (dev F1 {c["mlp4"]["dev_f1"]:.4f}' in text


def test_weighted_figures_recomputed_with_numpy(smoke):
  result, text = smoke
  labels, w = result.labels, result.weights
  np.testing.assert_array_equal(w, np.where(labels == 0, 10.0, 1.0))
  for name, e in result.weighted.items():
    wrong = result.predictions[name] != labels
    assert e['error'] == pytest.approx(wrong.mean())
    assert e['weighted_error'] == pytest.approx((w * wrong).sum() / w.sum())
    assert e['misses'] == int((wrong & (labels == 0)).sum())
    assert f'| {name} | {e["error"]:.2%} | {e["weighted_error"]:.2%} |' in text


def test_weighted_loss_equals_numpy_on_a_toy_batch():
  # 40 smoke steps are too few for weighted training to beat plain training
  # reliably; what the smoke run cannot show is checked here: the weights
  # reach the loss, normalised by Σ w over real (mask = 1) examples.
  rng = np.random.default_rng(0)
  logits = rng.normal(size=(6, 3)).astype(np.float32)
  labels = np.array([0, 1, 2, 0, 1, 2])
  weights = np.array([10.0, 1.0, 1.0, 10.0, 2.0, 5.0], np.float32)
  mask = np.array([1, 1, 1, 1, 1, 0], np.float32)  # last row is padding
  task = mx.weighted_classification_task(3)
  loss, m = task.loss_fn(logits, {'label': labels, 'weight': weights, 'mask': mask})
  log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
  ce = -log_p[np.arange(6), labels]
  w = weights * mask
  assert float(loss) == pytest.approx((w * ce).sum() / w.sum(), rel=1e-5)
  wrong = logits.argmax(-1) != labels
  assert float(m['weighted_error'][0]) == pytest.approx((w * wrong).sum())
  assert float(m['weighted_error'][1]) == pytest.approx(w.sum())
  assert float(m['error'][0]) == pytest.approx((mask * wrong).sum())
  # Without the weights (all ones) it is the plain mean cross-entropy.
  plain, _ = task.loss_fn(logits, {'label': labels, 'weight': np.ones(6, np.float32)})
  assert float(plain) == pytest.approx(ce.mean(), rel=1e-5)


@pytest.mark.parametrize('variant', ['', 'smoke'])
def test_configs_pass(variant):
  c = _config(variant)
  c.num_devices = 1
  mx.check_config(c)


@pytest.mark.parametrize(
    'field,value,message',
    [
        ('model', 'cnn', "'mlp'"),
        ('f1_average', 'samples', 'must be one of'),
        ('selection.widths', (4, 4), 'distinct'),
        ('selection.widths', (), 'non-empty'),
        ('selection.max_params', -1, '>= 0'),
        ('selection.latency_batch', 0, '>= 1'),
        ('weighted.tagged_class', 10, '<= 9'),
        ('weighted.weight', 0.0, '> 0'),
    ],
)
def test_bad_fields_are_one_line_errors(field, value, message):
  c = _config()
  c.num_devices = 1
  node = c
  *path, leaf = field.split('.')
  for p in path:
    node = node[p]
  node[leaf] = value
  with pytest.raises(ConfigError, match=f'^config.{field}=') as e:
    mx.check_config(c)
  assert message in str(e.value)
