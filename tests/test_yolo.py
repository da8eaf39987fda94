"""YOLO target encoding, decoding, loss and detection (notes 4.11.4-4.11.6)."""

import functools

import jax
import numpy as np
import pytest

from jaxdl.detection import yolo as Y

ANCHORS = np.array([[0.2, 0.2], [0.1, 0.4]], np.float32)  # (w, h) relative to the image
# square box centred (0.5, 0.2) and a tall one centred (0.1, 0.75); a padded row.
BOXES = np.array([[0.4, 0.1, 0.6, 0.3], [0.05, 0.55, 0.15, 0.95], [0, 0, 0, 0]], np.float32)
LABELS = np.array([2, 0, 1])
MASK = np.array([True, True, False])


def _encode(boxes=BOXES, labels=LABELS, mask=MASK, s=3):
  return np.asarray(
      Y.encode_targets(boxes, labels, mask, grid_size=s, anchors=ANCHORS, num_classes=3)
  )


def test_encoding_hand_case():
  t = _encode()
  assert t.shape == (3, 3, 2, 8)
  # square: cell (row 0, col 1), centre at (0.5, 0.6) of the cell, anchor 0,
  # h = w = 0.2 * 3 = 0.6 cell units.
  np.testing.assert_allclose(t[0, 1, 0], [1, 0.5, 0.6, 0.6, 0.6, 0, 0, 1], atol=1e-5)
  # tall: cell (2, 0), offset (0.3, 0.25), anchor 1, h = 1.2, w = 0.3 cell units.
  np.testing.assert_allclose(t[2, 0, 1], [1, 0.3, 0.25, 1.2, 0.3, 1, 0, 0], atol=1e-5)
  assert t[..., 0].sum() == 2 and np.abs(t).sum() == pytest.approx(
      np.abs(t[0, 1, 0]).sum() + np.abs(t[2, 0, 1]).sum()
  )


def _perfect_outputs(t, s=3):
  """Outputs that decode exactly to the target's boxes, with confident classes."""
  out = np.zeros_like(t)
  obj = t[..., 0] > 0
  out[..., 0] = np.where(obj, 12.0, -12.0)
  bxy = np.clip(t[..., 1:3], 1e-6, 1 - 1e-6)
  out[..., 1:3] = np.log(bxy / (1 - bxy))
  anchor_hw = ANCHORS[:, ::-1] * s
  out[..., 3:5] = np.where(obj[..., None], np.log(np.maximum(t[..., 3:5], 1e-6) / anchor_hw), 0.0)
  out[..., 5:] = 20.0 * t[..., 5:]
  return out


def test_decode_and_detect_invert_encoding():
  t = _encode()
  out = _perfect_outputs(t)
  boxes, scores, labels = Y.decode(out, ANCHORS)
  assert boxes.shape == (18, 4) and scores.shape == labels.shape == (18,)
  r = Y.detect(out[None], ANCHORS, max_outputs=5, score_threshold=0.5)
  assert int(r.count[0]) == 2
  order = np.argsort(np.asarray(r.classes[0, :2]))  # classes 0 then 2
  np.testing.assert_allclose(np.asarray(r.boxes[0, :2])[order], BOXES[[1, 0]], atol=1e-5)
  np.testing.assert_array_equal(np.asarray(r.classes[0, :2])[order], [0, 2])


def _np_loss(out, t, lc, ln, conf):
  s, a = out.shape[0], out.shape[2]
  total = 0.0
  for i in range(s):
    for j in range(s):
      for k in range(a):
        o, y = out[i, j, k].astype(np.float64), t[i, j, k]
        p = 1 / (1 + np.exp(-o[0]))
        if conf == 'log':
          c_pos, c_neg = -np.log(p), -np.log(1 - p)
        else:
          c_pos, c_neg = (1 - p) ** 2, p**2
        if y[0] == 1:
          xy = 1 / (1 + np.exp(-o[1:3]))
          hw = ANCHORS[k, ::-1] * s * np.exp(o[3:5])
          total += lc * (np.sum((xy - y[1:3]) ** 2) + np.sum((np.sqrt(hw) - np.sqrt(y[3:5])) ** 2))
          logp = o[5:] - np.log(np.sum(np.exp(o[5:])))
          total += c_pos - np.sum(y[5:] * logp)
        else:
          total += ln * c_neg
  return total


@pytest.mark.parametrize('conf', ['log', 'squared'])
def test_loss_matches_loop_reference(conf):
  t = _encode()
  out = np.random.default_rng(0).normal(size=t.shape).astype(np.float32)
  got, parts = Y.loss(
      out[None], t[None], ANCHORS, lambda_coord=5.0, lambda_noobj=0.5, confidence_loss=conf
  )
  np.testing.assert_allclose(got[0], _np_loss(out, t, 5.0, 0.5, conf), rtol=1e-5)
  recombined = 5.0 * parts['coord'] + parts['obj'] + 0.5 * parts['noobj'] + parts['class']
  np.testing.assert_allclose(recombined, got, rtol=1e-6)


def test_perfect_outputs_have_near_zero_loss():
  t = _encode()
  _, parts = Y.loss(_perfect_outputs(t), t, ANCHORS)
  assert float(parts['coord']) < 1e-8 and float(parts['class']) < 1e-6
  assert float(parts['obj']) < 1e-4 and float(parts['noobj']) < 1e-3


def test_batched_encoding_under_jit_vmap():
  enc = jax.jit(
      jax.vmap(functools.partial(Y.encode_targets, grid_size=3, anchors=ANCHORS, num_classes=3))
  )
  batch = enc(
      np.stack([BOXES, BOXES[::-1]]), np.stack([LABELS, LABELS[::-1]]), np.stack([MASK, MASK[::-1]])
  )
  np.testing.assert_allclose(batch[0], _encode(), atol=1e-6)
  np.testing.assert_allclose(batch[1], _encode(), atol=1e-6)


def test_bad_arguments():
  t = _encode()
  with pytest.raises(ValueError, match='confidence_loss'):
    Y.loss(t, t, ANCHORS, confidence_loss='hinge')
  with pytest.raises(ValueError, match='anchors'):
    Y.encode_targets(BOXES, LABELS, MASK, grid_size=3, anchors=np.ones(4), num_classes=3)
  with pytest.raises(ValueError, match='A=3'):
    Y.loss(t, t, np.ones((3, 2)))


def test_tiny_yolo_shape_and_parameter_count():
  from jaxdl.detection import model as model_lib

  m = model_lib.TinyYOLO(num_classes=3, num_anchors=2, widths=(4, 8, 8), num_pools=3)
  x = jax.ShapeDtypeStruct((2, 24, 24, 3), np.float32)
  v = jax.eval_shape(m.init, jax.random.key(0), x)  # shapes only: no compute
  assert jax.eval_shape(m.apply, v, x).shape == (2, 3, 3, 2, 8)
  convs = 3 * 3 * 3 * 4 + 3 * 3 * 4 * 8 + 3 * 3 * 8 * 8  # no conv bias before BatchNorm
  bn = 2 * (4 + 8 + 8)  # scale and bias
  head = 8 * 16 + 16
  assert sum(int(np.prod(p.shape)) for p in jax.tree.leaves(v['params'])) == convs + bn + head
  with pytest.raises(ValueError, match='divisible'):
    jax.eval_shape(m.init, jax.random.key(0), jax.ShapeDtypeStruct((1, 20, 20, 3), np.float32))
