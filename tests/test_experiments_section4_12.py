"""End-to-end smoke runs of notes 4.12-4.14 (face verification, style transfer),
plus the generated identities and the pixel-space optimiser on a case with a
known optimum."""

import importlib.util
import os

import numpy as np
import optax
import pytest

from jaxdl.embedding import glyphs
from jaxdl.style import transfer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _config(name, variant):
  spec = importlib.util.spec_from_file_location(
      name, os.path.join(ROOT, 'launch', 'configs', f'{name}.py')
  )
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module.get_config(variant)


def test_glyph_identities_deterministic_and_identity_structured():
  a = glyphs.make_glyph_identities(num_identities=12, per_identity=6, seed=3)
  b = glyphs.make_glyph_identities(num_identities=12, per_identity=6, seed=3)
  np.testing.assert_array_equal(a['image'], b['image'])
  assert a['image'].shape == (72, 16, 16, 1) and a['image'].dtype == np.float32
  assert a['image'].min() >= 0 and a['image'].max() <= 1
  np.testing.assert_array_equal(np.bincount(a['label']), np.full(12, 6))
  # Drawings of one identity are closer (pixels) than drawings of different ones.
  x = a['image'].reshape(72, -1)
  d = ((x[:, None] - x[None]) ** 2).sum(-1)
  same = a['label'][:, None] == a['label'][None]
  off = ~np.eye(72, dtype=bool)
  assert d[same & off].mean() < 0.8 * d[~same].mean()
  with pytest.raises(ValueError, match='num_identities'):
    glyphs.make_glyph_identities(num_identities=1)


def test_render_strokes_hand_case():
  # A horizontal stroke through the middle row of an 8x8 canvas.
  ink = glyphs.render_strokes(
      np.array([[[0.0, 0.5625]]]), np.array([[[1.0, 0.5625]]]), np.array([0.01]), 8
  )[0]
  np.testing.assert_allclose(ink[4], 1.0)
  # Neighbouring rows are 1/8 away: ink = 1 - (0.125 - 0.01) * 8 = 0.08 (one-pixel soft edge).
  np.testing.assert_allclose(ink[[3, 5]], 0.08, atol=1e-6)
  np.testing.assert_allclose(np.delete(ink, [3, 4, 5], axis=0), 0.0)


def test_stylize_content_only_recovers_content_image():
  # With identity "features" and beta = 0 the optimum of J is G = C exactly.
  rng = np.random.default_rng(0)
  c = rng.random((6, 5, 3)).astype(np.float32)
  s = rng.random((6, 5, 3)).astype(np.float32)
  feats = lambda params, g: {'pix': g}
  r = transfer.stylize(
      c,
      s,
      feats,
      content_layer='pix',
      style_weights={'pix': 1.0},
      alpha=1.0,
      beta=0.0,
      optimizer=optax.adam(0.05),
      num_steps=300,
      chunk=100,
      init='noise',
  )
  np.testing.assert_allclose(r.image, c, atol=0.02)
  assert r.history['total'][0] > 100 * r.final['total']
  assert r.history['total'].shape == (300,)


def test_stylize_style_only_matches_gram_and_stays_in_range():
  rng = np.random.default_rng(1)
  c = rng.random((6, 6, 3)).astype(np.float32)
  s = rng.random((6, 6, 3)).astype(np.float32) * np.array([1.0, 0.2, 0.5], np.float32)
  feats = lambda params, g: {'pix': g}
  r = transfer.stylize(
      c,
      s,
      feats,
      content_layer='pix',
      style_weights={'pix': 1.0},
      alpha=0.0,
      beta=1.0,
      optimizer=optax.adam(0.02),
      num_steps=250,
      chunk=125,
  )
  assert r.final['style'] < 0.01 * r.history['style'][0]
  assert r.image.min() >= 0 and r.image.max() <= 1
  with pytest.raises(ValueError, match='init'):
    transfer.stylize(c, s, feats, content_layer='pix', style_weights={'pix': 1.0}, init='zeros')
  with pytest.raises(ValueError, match='lack'):
    transfer.stylize(c, s, feats, content_layer='conv4_2', style_weights={'pix': 1.0})


def test_face_verification_smoke_end_to_end(tmp_path):
  from jaxdl.embedding import face_verification_experiment

  config = _config('face_verification', 'smoke')
  dataset = face_verification_experiment.make_identity_dataset(config)
  train_ids = set(dataset.splits['train']['label']) | set(dataset.splits['dev']['label'])
  assert not train_ids & set(dataset.splits['test']['label'])
  result = face_verification_experiment.run(config, str(tmp_path))
  assert set(result.rows) == {
      'trained (triplet, semi_hard)',
      'untrained encoder (random weights)',
      'raw pixels',
  }
  for r in result.rows.values():
    for k in ('threshold_acc', 'distance_auc', 'logreg_acc', 'logreg_auc', 'one_shot_5way_acc'):
      assert 0.0 <= r[k] <= 1.0
  assert os.path.exists(result.projection_png)
  assert os.path.exists(tmp_path / 'verification.md') and '5-way one-shot' in result.table
  assert '| test |' in result.train_table


def test_style_transfer_smoke_end_to_end(tmp_path):
  from jaxdl.style import style_transfer_experiment

  config = _config('style_transfer', 'smoke')
  result = style_transfer_experiment.run(config, str(tmp_path))
  for name in (
      'content.png',
      'style.png',
      'generated.png',
      'panel.png',
      'cost_curve.png',
      'results.md',
      'generated_step3.png',
  ):
    assert os.path.exists(tmp_path / name), name
  ref = result.reference
  # G moved towards S's style from its start at C, and kept C's content better than S does.
  assert ref['G generated']['style'] < 0.5 * ref['G = C (content image)']['style']
  assert ref['G generated']['content'] < ref['G = S (style image)']['content'] * 1.5
  assert ref['G = S (style image)']['style'] == pytest.approx(0.0, abs=1e-6)
  assert 'RANDOM VGG-19 weights' in result.table
  assert len(result.result.history['total']) == config.num_steps


def test_tfds_identity_pool_logic_with_fake_loader(monkeypatch):
  # Offline stand-in for TFDS: Omniglot-like disjoint train/test identities,
  # LFW-like string names. Checks held-out detection, name mapping, resizing.
  from jaxdl.embedding import face_verification_experiment

  rng = np.random.default_rng(0)

  def fake(name, **kwargs):
    if name == 'omniglot':
      split = lambda ids: {
          'image': rng.random((len(ids), 20, 20, 3)).astype(np.float32),
          'label': np.asarray(ids, np.int32),
      }
      return {
          'train': split([0, 0, 1, 1]),
          'test': split([2, 2, 3, 3]),
          'small1': split([0, 1]),
      }, None
    return {
        'train': {
            'image': rng.random((4, 10, 10, 3)).astype(np.float32),
            'label': np.array([b'Ann', b'Bob', b'Ann', b'Cy']),
        }
    }, None

  monkeypatch.setattr(face_verification_experiment, 'load_tfds', fake)
  pool, held = face_verification_experiment.load_identity_pool(
      'omniglot', image_size=8, grayscale=True
  )
  assert held == [2, 3] and pool['image'].shape == (8, 8, 8, 1)  # small1 (a train subset) skipped
  pool, held = face_verification_experiment.load_identity_pool('lfw')
  assert held is None
  np.testing.assert_array_equal(pool['label'], [0, 1, 0, 2])


@pytest.mark.slow
def test_face_verification_default_beats_baselines(tmp_path):
  # The default config's documented claim: on held-out identities the trained
  # embedding beats the untrained encoder and raw pixels (about 1 CPU-minute).
  from jaxdl.embedding import face_verification_experiment

  rows = face_verification_experiment.run(_config('face_verification', ''), str(tmp_path)).rows
  trained = rows['trained (triplet, semi_hard)']
  for baseline in ('untrained encoder (random weights)', 'raw pixels'):
    for k in ('distance_auc', 'logreg_auc', 'one_shot_5way_acc', 'one_shot_20way_acc'):
      assert trained[k] > rows[baseline][k] + 0.02, (baseline, k)


@pytest.mark.slow
def test_style_transfer_default_moves_towards_style(tmp_path):
  # The default config's documented claim (about 2.5 CPU-minutes).
  from jaxdl.style import style_transfer_experiment

  ref = style_transfer_experiment.run(_config('style_transfer', ''), str(tmp_path)).reference
  assert ref['G generated']['style'] < 0.1 * ref['G = C (content image)']['style']
  assert ref['G generated']['content'] < ref['G = S (style image)']['content']
