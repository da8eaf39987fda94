"""Notes optimizers (2.5-2.7) vs a plain numpy implementation of the formulas.

Each chain runs 20 steps on a random least-squares problem; the numpy
reference runs the notes' update equations on the same problem. Both run in
float64 (jax.enable_x64) so that agreement to 1e-6 tests the algebra, not
float32 rounding.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.optim import notes_optimizers as no

STEPS = 20


def _problem():
  rng = np.random.default_rng(0)
  a = rng.normal(size=(12, 5))
  b = rng.normal(size=12)
  w0 = rng.normal(size=5)
  c0 = rng.normal(size=())  # a second leaf, to test pytrees
  return a, b, w0, c0


def _np_grad(a, b, w, c):
  r = a @ w + c - b
  return a.T @ r / len(b), r.mean()


def _numpy_run(rule, lr, beta1=0.9, beta2=0.999, eps=1e-8):
  a, b, w, c = _problem()
  v = [np.zeros_like(w), 0.0]
  s = [np.zeros_like(w), 0.0]
  params = [w.copy(), float(c)]
  for t in range(1, STEPS + 1):
    grads = _np_grad(a, b, *params)
    for i, g in enumerate(grads):
      if rule == "gd":
        step = g
      elif rule == "notes_momentum":  # notes 2.5
        v[i] = beta1 * v[i] + (1 - beta1) * g
        step = v[i]
      elif rule == "heavy_ball":
        v[i] = beta1 * v[i] + g
        step = v[i]
      elif rule == "notes_rmsprop":  # notes 2.6
        s[i] = beta2 * s[i] + (1 - beta2) * g**2
        step = g / (np.sqrt(s[i]) + eps)
      elif rule == "notes_adam":  # notes 2.7
        v[i] = beta1 * v[i] + (1 - beta1) * g
        s[i] = beta2 * s[i] + (1 - beta2) * g**2
        v_hat = v[i] / (1 - beta1**t)
        s_hat = s[i] / (1 - beta2**t)
        step = v_hat / (np.sqrt(s_hat) + eps)
      params[i] = params[i] - lr * step
  return params


def _jax_run(tx):
  a, b, w, c = _problem()
  a, b = jnp.asarray(a), jnp.asarray(b)

  def loss(p):
    return 0.5 * jnp.mean((a @ p["w"] + p["c"] - b) ** 2)

  params = {"w": jnp.asarray(w), "c": jnp.asarray(c)}
  state = tx.init(params)

  @jax.jit
  def step(params, state):
    updates, state = tx.update(jax.grad(loss)(params), state, params)
    return optax.apply_updates(params, updates), state

  for _ in range(STEPS):
    params, state = step(params, state)
  return [np.asarray(params["w"]), float(params["c"])]


@pytest.mark.parametrize("name", no.NOTES_OPTIMIZERS)
def test_chain_matches_numpy_formulas(name):
  lr = 0.05
  with jax.enable_x64(True):
    got = _jax_run(no.make_notes_optimizer(name, lr, beta1=0.9, beta2=0.99))
  want = _numpy_run(name, lr, beta1=0.9, beta2=0.99)
  np.testing.assert_allclose(got[0], want[0], rtol=1e-6, atol=1e-6)
  np.testing.assert_allclose(got[1], want[1], rtol=1e-6, atol=1e-6)


def test_learning_rate_relation_notes_vs_heavy_ball():
  """Notes momentum at alpha == heavy ball at alpha * (1 - beta)."""
  beta, lr = 0.9, 0.3
  with jax.enable_x64(True):
    notes = _jax_run(no.notes_momentum(lr, beta))
    heavy = _jax_run(no.heavy_ball(no.heavy_ball_learning_rate(lr, beta), beta))
    optax_heavy = _jax_run(optax.sgd(lr * (1 - beta), momentum=beta))
  np.testing.assert_allclose(notes[0], heavy[0], rtol=1e-10)
  np.testing.assert_allclose(heavy[0], optax_heavy[0], rtol=1e-10)


def test_notes_adam_equals_optax_adam_and_rmsprop_eps_placement():
  with jax.enable_x64(True):
    mine = _jax_run(no.notes_adam(0.05, 0.9, 0.99))
    theirs = _jax_run(optax.adam(0.05, b1=0.9, b2=0.99))
    rms = _jax_run(no.notes_rmsprop(0.05, 0.99, eps=1e-8))
    optax_rms = _jax_run(optax.rmsprop(0.05, decay=0.99, eps=1e-8, eps_in_sqrt=False))
  # optax keeps some bias-correction terms in float32 even under x64, hence
  # 1e-4 here; the numpy-formula test above holds to 1e-6.
  np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-4)
  np.testing.assert_allclose(rms[0], optax_rms[0], rtol=1e-4)


def test_schedule_as_learning_rate():
  with jax.enable_x64(True):
    sched = _jax_run(no.notes_adam(lambda step: 0.05 / (1.0 + step)))
  a, b, w, c = _problem()
  # Hand loop with alpha_t = 0.05 / (1 + t - 1).
  v = np.zeros(5)
  s = np.zeros(5)
  vc = 0.0
  sc = 0.0
  cc = float(c)
  for t in range(1, STEPS + 1):
    gw, gc = _np_grad(a, b, w, cc)
    v = 0.9 * v + 0.1 * gw
    s = 0.999 * s + 0.001 * gw**2
    vc = 0.9 * vc + 0.1 * gc
    sc = 0.999 * sc + 0.001 * gc**2
    alpha = 0.05 / t
    w = w - alpha * (v / (1 - 0.9**t)) / (np.sqrt(s / (1 - 0.999**t)) + 1e-8)
    cc = cc - alpha * (vc / (1 - 0.9**t)) / (np.sqrt(sc / (1 - 0.999**t)) + 1e-8)
  np.testing.assert_allclose(sched[0], w, rtol=1e-6)


def test_bad_names_and_betas_raise():
  with pytest.raises(ValueError, match="unknown optimizer"):
    no.make_notes_optimizer("adagrad", 0.1)
  with pytest.raises(ValueError, match="beta"):
    no.notes_momentum(0.1, beta=1.0)
  with pytest.raises(ValueError, match="beta2"):
    no.notes_adam(0.1, beta2=-0.1)


def test_factory_selects_notes_optimizers_and_schedules():
  import ml_collections
  from jaxdl.optim import factory

  cfg = ml_collections.ConfigDict(
      dict(
          name="notes_momentum", learning_rate=0.2, schedule="inverse_time", decay_rate=1.0, b1=0.9
      )
  )
  with jax.enable_x64(True):
    got = _jax_run(factory.make_optimizer(cfg, steps_per_epoch=5, total_steps=STEPS))
  # numpy: notes momentum with alpha = 0.2 / (1 + epoch_num), 5 steps/epoch.
  a, b, w, c = _problem()
  v, vc, cc = np.zeros(5), 0.0, float(c)
  for step in range(STEPS):
    gw, gc = _np_grad(a, b, w, cc)
    v, vc = 0.9 * v + 0.1 * gw, 0.9 * vc + 0.1 * gc
    alpha = 0.2 / (1 + (1 + step // 5))
    w, cc = w - alpha * v, cc - alpha * vc
  np.testing.assert_allclose(got[0], w, rtol=1e-6)
