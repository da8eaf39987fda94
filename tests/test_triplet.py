"""Triplet loss (notes 4.13) and in-batch mining against brute-force numpy references."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.embedding import triplet
from jaxdl.embedding.encoder import EmbeddingNet, l2_normalize


def _np_loss(a, p, n, alpha):
  return max(np.sum((a - p) ** 2) - np.sum((a - n) ** 2) + alpha, 0.0)


def _random_batch(seed, n=12, dim=5, classes=3):
  rng = np.random.default_rng(seed)
  emb = rng.normal(size=(n, dim)).astype(np.float32)
  emb /= np.linalg.norm(emb, axis=1, keepdims=True)
  labels = rng.integers(0, classes, size=n).astype(np.int32)
  return emb, labels


def test_triplet_loss_hand_computed():
  a = jnp.array([[0.0, 0.0], [0.0, 0.0]])
  p = jnp.array([[1.0, 0.0], [1.0, 0.0]])  # |A-P|^2 = 1
  n = jnp.array([[0.0, 2.0], [0.0, 0.5]])  # |A-N|^2 = 4 and 0.25
  np.testing.assert_allclose(triplet.triplet_loss(a, p, n), [0.0, 0.95], atol=1e-6)


def test_margin_prevents_trivial_zero_embedding():
  # notes 4.13: without alpha, f(img) = 0 would satisfy the condition for free.
  z = jnp.zeros((4, 8))
  np.testing.assert_allclose(triplet.triplet_loss(z, z, z), 0.2)
  np.testing.assert_allclose(triplet.triplet_loss(z, z, z, alpha=0.0), 0.0)


def test_differs_from_optax_triplet_margin_loss():
  a, p, n = jnp.array([[0.0, 0.0]]), jnp.array([[1.0, 0.0]]), jnp.array([[0.0, 0.5]])
  ours = float(triplet.triplet_loss(a, p, n)[0])  # 1 - 0.25 + 0.2
  # Difference 1: optax uses plain distances: 1 - 0.5 + 0.2 at the same margin.
  same_margin = float(optax.losses.triplet_margin_loss(a, p, n, margin=0.2, eps=0.0)[0])
  np.testing.assert_allclose(ours, 0.95, atol=1e-6)
  np.testing.assert_allclose(same_margin, 0.7, atol=1e-6)
  # Difference 2: optax's default margin is 1.0, ours 0.2 (equal distances).
  e = jnp.array([[1.0, 0.0]])
  np.testing.assert_allclose(triplet.triplet_loss(a, e, e), [0.2], atol=1e-6)
  np.testing.assert_allclose(optax.losses.triplet_margin_loss(a, e, e, eps=0.0), [1.0], atol=1e-6)


def test_pairwise_sq_distances_matches_numpy():
  emb, _ = _random_batch(0)
  ref = np.sum((emb[:, None] - emb[None]) ** 2, -1)
  np.testing.assert_allclose(triplet.pairwise_sq_distances(jnp.asarray(emb)), ref, atol=1e-5)


def _ref_batch_all(emb, labels, alpha, average):
  losses = []
  for a, p, n in itertools.permutations(range(len(labels)), 3):
    if labels[a] == labels[p] and labels[a] != labels[n]:
      losses.append(_np_loss(emb[a], emb[p], emb[n], alpha))
  losses = np.array(losses)
  active = np.sum(losses > 1e-16)
  denom = active if average == 'active' else len(losses)
  return losses.sum() / max(denom, 1), active, len(losses)


def _ref_batch_hard(emb, labels, alpha):
  out = []
  for a in range(len(labels)):
    pos = [p for p in range(len(labels)) if p != a and labels[p] == labels[a]]
    neg = [n for n in range(len(labels)) if labels[n] != labels[a]]
    if pos and neg:
      hp = max(np.sum((emb[a] - emb[p]) ** 2) for p in pos)
      hn = min(np.sum((emb[a] - emb[n]) ** 2) for n in neg)
      out.append(max(hp - hn + alpha, 0.0))
  return np.mean(out)


def _ref_semi_hard(emb, labels, alpha):
  out = []
  for a, p in itertools.permutations(range(len(labels)), 2):
    if labels[a] != labels[p]:
      continue
    negs = [np.sum((emb[a] - emb[n]) ** 2) for n in range(len(labels)) if labels[n] != labels[a]]
    if not negs:
      continue
    dap = np.sum((emb[a] - emb[p]) ** 2)
    farther = [d for d in negs if d > dap]
    dan = min(farther) if farther else max(negs)
    out.append(max(dap - dan + alpha, 0.0))
  return np.mean(out)


@pytest.mark.parametrize('seed', [0, 1])
@pytest.mark.parametrize('average', ['active', 'all'])
def test_batch_all_matches_brute_force(seed, average):
  emb, labels = _random_batch(seed)
  loss, m = triplet.batch_all_triplet_loss(
      jnp.asarray(emb), jnp.asarray(labels), 0.5, average=average
  )
  ref, active, total = _ref_batch_all(emb, labels, 0.5, average)
  np.testing.assert_allclose(loss, ref, rtol=1e-5)
  assert (int(m['active_triplets'][0]), int(m['active_triplets'][1])) == (active, total)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_batch_hard_matches_brute_force(seed):
  emb, labels = _random_batch(seed)
  loss, _ = triplet.batch_hard_triplet_loss(jnp.asarray(emb), jnp.asarray(labels), 0.2)
  np.testing.assert_allclose(loss, _ref_batch_hard(emb, labels, 0.2), rtol=1e-5)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_semi_hard_matches_brute_force(seed):
  emb, labels = _random_batch(seed)
  loss, _ = triplet.semi_hard_triplet_loss(jnp.asarray(emb), jnp.asarray(labels), 0.2)
  np.testing.assert_allclose(loss, _ref_semi_hard(emb, labels, 0.2), rtol=1e-5)


@pytest.mark.parametrize('mining', triplet.MINING_MODES)
def test_mask_equals_dropping_padded_rows(mining):
  emb, labels = _random_batch(3, n=10)
  padded = np.concatenate([emb, np.ones((3, emb.shape[1]), np.float32)])
  plabels = np.concatenate([labels, labels[:3]])
  mask = np.arange(13) < 10
  got, _ = triplet.mined_triplet_loss(jnp.asarray(padded), jnp.asarray(plabels), mining, mask=mask)
  ref, _ = triplet.mined_triplet_loss(jnp.asarray(emb), jnp.asarray(labels), mining)
  np.testing.assert_allclose(got, ref, rtol=1e-6)


def test_mining_finds_hard_triplets_random_ones_miss():
  # notes 4.13: most random triplets are already satisfied, so they give no
  # gradient; two tight clusters plus one confusable point.
  rng = np.random.default_rng(0)
  c0 = np.array([1.0, 0.0, 0.0]) + 0.01 * rng.normal(size=(8, 3))
  c1 = np.array([0.0, 1.0, 0.0]) + 0.01 * rng.normal(size=(8, 3))
  c0[0] = [0.2, 0.8, 0.0]  # a class-0 point lying inside class 1
  emb = jnp.asarray(l2_normalize(jnp.asarray(np.concatenate([c0, c1]), jnp.float32)))
  labels = jnp.asarray([0] * 8 + [1] * 8)
  # Random sampling estimates the mean over all valid triplets.
  random_mean, m = triplet.batch_all_triplet_loss(emb, labels, average='all')
  frac_random = int(m['active_triplets'][0]) / int(m['active_triplets'][1])
  _, mh = triplet.batch_hard_triplet_loss(emb, labels)
  frac_hard = int(mh['active_triplets'][0]) / int(mh['active_triplets'][1])
  assert frac_random < 0.15
  assert frac_hard > 2 * frac_random
  assert float(random_mean) < 0.15


@pytest.mark.parametrize('mining', triplet.MINING_MODES)
def test_gradients_finite_with_singleton_identity(mining):
  emb, labels = _random_batch(4, n=9)
  labels[-1] = 7  # an identity with no positive
  g = jax.jit(jax.grad(lambda e: triplet.mined_triplet_loss(e, jnp.asarray(labels), mining)[0]))(
      jnp.asarray(emb)
  )
  assert np.all(np.isfinite(g)) and np.any(g != 0)


def test_bad_arguments_raise():
  emb, labels = _random_batch(0)
  with pytest.raises(ValueError, match='mining'):
    triplet.mined_triplet_loss(jnp.asarray(emb), jnp.asarray(labels), 'hardest')
  with pytest.raises(ValueError, match='alpha'):
    triplet.mined_triplet_loss(jnp.asarray(emb), jnp.asarray(labels), alpha=-1.0)
  with pytest.raises(ValueError, match='average'):
    triplet.batch_all_triplet_loss(jnp.asarray(emb), jnp.asarray(labels), average='sum')


def test_encoder_is_siamese_and_unit_norm():
  model = EmbeddingNet(features=(4,), hidden=16, embed_dim=8)
  x = jax.random.uniform(jax.random.PRNGKey(0), (3, 8, 8, 1))
  params = jax.jit(model.init)(jax.random.PRNGKey(1), x)
  apply = jax.jit(model.apply)
  out = apply(params, x)
  assert out.shape == (3, 8)
  np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)
  # Same network on every input: embedding one image alone equals its row in a batch.
  np.testing.assert_allclose(apply(params, x[1:2])[0], out[1], rtol=1e-5, atol=1e-6)
  with pytest.raises(ValueError, match='x must be'):
    model.apply(params, x[0])


def test_triplet_loss_rejects_mismatched_shapes():
  a = jnp.zeros((4, 8))
  # Before: a [1, 8] positive broadcast against all four anchors silently.
  with pytest.raises(
      ValueError,
      match=r'anchor, positive and negative must all be \[batch, dim\] '
      r'with the same shape, got \(4, 8\), \(1, 8\) and \(4, 8\)',
  ):
    triplet.triplet_loss(a, jnp.zeros((1, 8)), a)
  with pytest.raises(ValueError, match=r'got \(4, 8\), \(4, 8\) and \(8,\)'):
    triplet.triplet_loss(a, a, jnp.zeros((8,)))
  with pytest.raises(ValueError, match=r'got \(8,\), \(8,\) and \(8,\)'):
    triplet.triplet_loss(a[0], a[0], a[0])  # one unbatched triplet: add the batch axis
  with pytest.raises(ValueError, match=r'alpha must be >= 0, got nan'):
    triplet.triplet_loss(a, a, a, alpha=float('nan'))
  # Under jit the shape check is static and still fires.
  with pytest.raises(ValueError, match='same shape'):
    jax.jit(triplet.triplet_loss)(a, jnp.zeros((4, 7)), a)


@pytest.mark.parametrize('mining', triplet.MINING_MODES)
def test_mining_checks_batch_shapes_and_alpha(mining):
  emb, labels = _random_batch(1, n=6)
  emb, labels = jnp.asarray(emb), jnp.asarray(labels)
  fn = lambda *a, **k: triplet.mined_triplet_loss(*a, mining=mining, **k)
  # Before: labels of shape [1] broadcast to "every pair has the same label".
  with pytest.raises(ValueError, match=r'labels must be \[batch\] = \(6,\), got shape \(1,\)'):
    fn(emb, labels[:1])
  with pytest.raises(ValueError, match=r'mask must be \[batch\] = \(6,\), got shape \(5,\)'):
    fn(emb, labels, mask=jnp.ones((5,), bool))
  with pytest.raises(ValueError, match=r'embeddings must be \[batch, dim\], got shape \(6,\)'):
    fn(emb[:, 0], labels)
  with pytest.raises(ValueError, match='alpha must be >= 0, got nan'):
    fn(emb, labels, alpha=float('nan'))
  with pytest.raises(ValueError, match='alpha must be >= 0, got -0.5'):
    triplet._MINERS[mining](
        emb, labels, alpha=-0.5
    )  # the miners check it too, not only the dispatcher


@pytest.mark.parametrize('mining', triplet.MINING_MODES)
def test_empty_batch_gives_zero_loss_and_zero_counts(mining):
  # Before: batch_hard / semi_hard raised "zero-size array to reduction operation".
  loss, m = jax.jit(lambda e, l: triplet.mined_triplet_loss(e, l, mining))(
      jnp.zeros((0, 4)), jnp.zeros((0,), jnp.int32)
  )
  assert float(loss) == 0.0
  assert tuple(int(c) for c in m['active_triplets']) == (0, 0)


def test_pairwise_sq_distances_rejects_non_matrix():
  with pytest.raises(ValueError, match=r'embeddings must be \[batch, dim\], got shape \(2, 3, 4\)'):
    triplet.pairwise_sq_distances(jnp.zeros((2, 3, 4)))
