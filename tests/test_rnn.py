"""Tests for jaxdl.sequence.rnn and .architectures (notes 5.1)."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxdl.sequence import architectures
from jaxdl.sequence import rnn


def _numpy_vanilla_rnn(kernel, bias, w_y, b_y, xs, activation):
  """Notes 5.1 written out with separate W_aa and W_ax, a⟨0⟩ = 0."""
  n_a = bias.shape[0]
  w_aa, w_ax = kernel[:n_a].T, kernel[n_a:].T
  batch, time, _ = xs.shape
  a = np.zeros((batch, n_a))
  ys = []
  for t in range(time):
    a = np.tanh(a @ w_aa.T + xs[:, t] @ w_ax.T + bias)
    z = a @ w_y + b_y
    if activation == 'softmax':
      e = np.exp(z - z.max(-1, keepdims=True))
      ys.append(e / e.sum(-1, keepdims=True))
    else:
      ys.append(1 / (1 + np.exp(-z)))
  return a, np.stack(ys, 1)


@pytest.mark.parametrize('activation,num_outputs', [('softmax', 4), ('sigmoid', 1)])
def test_vanilla_rnn_matches_numpy_equations(activation, num_outputs):
  xs = np.random.RandomState(0).randn(3, 6, 3).astype(np.float32)
  model = architectures.ManyToMany(num_outputs, cell_type='vanilla', features=4)
  variables = model.init(jax.random.key(1), xs)
  logits = model.apply(variables, xs)
  y_hat = rnn.output_activation(logits, activation)
  p = jax.tree.map(np.asarray, variables['params'])
  kernel, bias = p['rnn']['cell']['W_a']['kernel'], p['rnn']['cell']['W_a']['bias']
  assert kernel.shape == (4 + 3, 4)  # W_a = [W_aa | W_ax] of 5.1.
  _, ref = _numpy_vanilla_rnn(
      kernel, bias, p['W_y']['kernel'], p['W_y']['bias'], xs.astype(np.float64), activation
  )
  np.testing.assert_allclose(np.asarray(y_hat), ref, rtol=1e-4, atol=1e-5)


def test_vanilla_initial_state_is_zero():
  cell = rnn.VanillaRNNCell(4)
  carry = cell.initialize_carry(jax.random.key(0), (2, 3))
  assert carry.shape == (2, 4) and not np.any(np.asarray(carry))


@pytest.mark.parametrize('cell_type', rnn.CELL_TYPES)
def test_scan_equals_python_loop_of_cell(cell_type):
  """nn.scan unrolling must equal stepping the same cell by hand."""
  xs = jax.random.normal(jax.random.key(0), (2, 5, 3))
  model = rnn.Recurrence(cell_type, 4)
  variables = model.init(jax.random.key(1), xs)
  carry, outs = model.apply(variables, xs)
  ref_carry = model.apply(variables, 2, method=model.initialize_carry)
  for t in range(5):
    ref_carry, out = model.apply(variables, ref_carry, xs[:, t], method=model.step)
    np.testing.assert_allclose(outs[:, t], out, rtol=1e-5, atol=1e-6)
  jax.tree.map(lambda a, b: np.testing.assert_allclose(a, b, atol=1e-6), carry, ref_carry)


def test_lstm_matches_numpy_lstm_equations():
  """flax's LSTM is the standard one: check one step against the equations."""
  x = np.random.RandomState(2).randn(2, 3).astype(np.float32)
  cell = nn.OptimizedLSTMCell(4)
  carry = cell.initialize_carry(jax.random.key(0), x.shape)
  carry = (carry[0] + 0.3, carry[1] - 0.2)
  variables = cell.init(jax.random.key(1), carry, x)
  (c, h), out = cell.apply(variables, carry, x)
  p = jax.tree.map(np.asarray, variables['params'])
  sig = lambda z: 1 / (1 + np.exp(-z))
  c0, h0 = np.asarray(carry[0]), np.asarray(carry[1])
  pre = {
      g: x @ p['i' + g]['kernel'] + h0 @ p['h' + g]['kernel'] + p['h' + g]['bias'] for g in 'ifgo'
  }
  c_ref = sig(pre['f']) * c0 + sig(pre['i']) * np.tanh(pre['g'])
  h_ref = sig(pre['o']) * np.tanh(c_ref)
  np.testing.assert_allclose(c, c_ref, rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(h, h_ref, rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(out, h_ref, rtol=1e-5, atol=1e-6)


def test_many_to_one_reads_final_hidden_state():
  xs = jax.random.normal(jax.random.key(0), (2, 4, 3))
  model = architectures.ManyToOne(num_outputs=4, cell_type='lstm', features=4)
  variables = model.init(jax.random.key(1), xs)
  logits = model.apply(variables, xs)
  assert logits.shape == (2, 4)
  inner = rnn.Recurrence('lstm', 4)
  (c, h), _ = inner.apply({'params': variables['params']['rnn']}, xs)
  w = variables['params']['W_y']
  np.testing.assert_allclose(logits, h @ w['kernel'] + w['bias'], atol=1e-5)


def test_one_to_many_feeds_each_output_back():
  model = architectures.OneToMany(vocab_size=4, length=6, cell_type='gru', features=4)
  x = jax.random.normal(jax.random.key(0), (3, 3))
  variables = model.init(jax.random.key(1), x)
  tokens, logits = model.apply(variables, x)
  assert tokens.shape == (3, 6) and logits.shape == (3, 6, 4)
  p = variables['params']
  cell = nn.GRUCell(4)
  state = cell.initialize_carry(jax.random.key(0), x.shape)
  inputs = x
  for t in range(6):
    state, h = cell.apply({'params': p['cell']}, state, inputs)
    ref_logits = h @ p['W_y']['kernel'] + p['W_y']['bias']
    np.testing.assert_allclose(logits[:, t], ref_logits, rtol=1e-4, atol=1e-5)
    token = np.argmax(ref_logits, -1)
    np.testing.assert_array_equal(tokens[:, t], token)
    inputs = p['feedback_embed']['embedding'][token]  # output fed back.


def test_one_to_many_sampling_temperature():
  model = architectures.OneToMany(vocab_size=4, length=4, features=4)
  x = jnp.ones((2, 3))
  variables = model.init(jax.random.key(1), x)
  # A near-zero temperature sample is the greedy path.
  greedy, _ = model.apply(variables, x)
  cold, _ = model.apply(variables, x, jax.random.key(4), 1e-4)
  np.testing.assert_array_equal(greedy, cold)
  with pytest.raises(ValueError, match='temperature'):
    model.apply(variables, x, jax.random.key(4), 0.0)


def test_bad_names_raise():
  with pytest.raises(ValueError, match='cell_type'):
    rnn.make_cell('transformer', 4)
  with pytest.raises(ValueError, match='activation'):
    rnn.output_activation(jnp.zeros(3), 'relu')


def test_gradient_clipping_bounds_exploding_gradient():
  """A vanilla RNN with large recurrent weights explodes; the clipped
  update's global norm is the clip norm (direction kept)."""
  xs = jax.random.normal(jax.random.key(0), (2, 12, 3))
  model = rnn.Recurrence('vanilla', 4)
  params = model.init(jax.random.key(1), xs)['params']
  params = jax.tree.map(lambda w: 3.0 * w, params)

  def loss(p):
    _, hs = model.apply({'params': p}, xs * 5.0)
    return jnp.sum(hs[:, -1] ** 2) * 100.0

  grads = jax.grad(loss)(params)
  norm = optax.global_norm(grads)
  assert norm > 10.0
  clip = optax.clip_by_global_norm(1.0)
  clipped, _ = clip.update(grads, clip.init(params))
  np.testing.assert_allclose(optax.global_norm(clipped), 1.0, rtol=1e-5)
  ratio = jax.tree.map(lambda c, g: c / jnp.where(g == 0, 1, g), clipped, grads)
  for leaf in jax.tree.leaves(ratio):
    leaf = np.asarray(leaf)[np.asarray(leaf) != 0]
    np.testing.assert_allclose(leaf, 1.0 / float(norm), rtol=1e-4)


def _numpy_recurrence(cell_type, p, xs):
  """float64 numpy unrolling of the three cells from their equations, zero initial state.

  Returns (final hidden state, hidden states [batch, time, features]).
  """
  sig = lambda z: 1 / (1 + np.exp(-z))
  p = jax.tree.map(lambda a: np.asarray(a, np.float64), p)
  dense = lambda name, v: v @ p[name]['kernel'] + p[name].get('bias', 0.0)
  batch, time, _ = xs.shape
  n_a = (p['W_a'] if cell_type == 'vanilla' else p['h' + ('o' if cell_type == 'lstm' else 'n')])[
      'bias'
  ].shape[0]
  h, c, hs = np.zeros((batch, n_a)), np.zeros((batch, n_a)), []
  for t in range(time):
    x = xs[:, t]
    if cell_type == 'vanilla':  # notes 5.1
      h = np.tanh(dense('W_a', np.concatenate([h, x], -1)))
    elif cell_type == 'lstm':
      pre = {g: dense('i' + g, x) + dense('h' + g, h) for g in 'ifgo'}
      c = sig(pre['f']) * c + sig(pre['i']) * np.tanh(pre['g'])
      h = sig(pre['o']) * np.tanh(c)
    else:  # GRU as flax (and PyTorch) write it: r gates the recurrent term inside the tanh
      r, z = sig(dense('ir', x) + dense('hr', h)), sig(dense('iz', x) + dense('hz', h))
      h = (1 - z) * np.tanh(dense('in', x) + r * dense('hn', h)) + z * h
    hs.append(h)
  return h, np.stack(hs, 1)


@pytest.mark.parametrize('cell_type', rnn.CELL_TYPES)
def test_float64_forward_with_the_default_carry(cell_type):
  # Before, the default carry was float32 whatever the computation dtype, and
  # lax.scan failed: "carry input and carry output must have equal types".
  xs = np.random.default_rng(0).normal(size=(2, 5, 3))
  with jax.enable_x64(True):
    model = rnn.Recurrence(cell_type, 4, dtype=jnp.float64)
    variables = model.init(jax.random.key(1), jnp.asarray(xs))
    carry, outs = model.apply(variables, jnp.asarray(xs))
    assert outs.dtype == jnp.float64
    assert all(leaf.dtype == jnp.float64 for leaf in jax.tree.leaves(carry))
    # dtype=None with float64 inputs computes in float64 too (flax's promotion)
    _, outs_none = rnn.Recurrence(cell_type, 4).apply(variables, jnp.asarray(xs))
    assert outs_none.dtype == jnp.float64
  h_ref, hs_ref = _numpy_recurrence(cell_type, variables['params']['cell'], xs)
  np.testing.assert_allclose(np.asarray(outs), hs_ref, rtol=1e-12, atol=1e-12)
  np.testing.assert_allclose(np.asarray(rnn.hidden_of(carry)), h_ref, rtol=1e-12, atol=1e-12)
  np.testing.assert_allclose(np.asarray(outs_none), hs_ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('cell_type', rnn.CELL_TYPES)
def test_bfloat16_forward_keeps_bfloat16_state(cell_type):
  # Before, the float32 default carry ran the LSTM/GRU state in float32.
  xs = np.random.default_rng(1).normal(size=(2, 5, 3)).astype(np.float32)
  model = rnn.Recurrence(cell_type, 4, dtype=jnp.bfloat16)
  variables = model.init(jax.random.key(1), jnp.asarray(xs))
  assert all(
      leaf.dtype == jnp.float32 for leaf in jax.tree.leaves(variables)
  )  # params stay float32
  carry, outs = model.apply(variables, jnp.asarray(xs, jnp.bfloat16))
  assert outs.dtype == jnp.bfloat16
  assert all(leaf.dtype == jnp.bfloat16 for leaf in jax.tree.leaves(carry))
  _, hs_ref = _numpy_recurrence(cell_type, variables['params']['cell'], xs.astype(np.float64))
  # bfloat16 has an 8-bit mantissa (relative step 2^-8 = 0.004); five steps of rounding stay within 0.03
  np.testing.assert_allclose(np.asarray(outs, np.float32), hs_ref, atol=3e-2)


def test_a_given_carry_keeps_its_dtype():
  xs = jnp.ones((2, 3, 5), jnp.bfloat16)
  model = rnn.Recurrence('gru', 4, dtype=jnp.bfloat16)
  variables = model.init(jax.random.key(0), xs)
  carry, _ = model.apply(variables, xs, initial_carry=jnp.zeros((2, 4), jnp.float32))
  assert carry.dtype == jnp.float32
  assert model.apply(variables, 2, method=model.initialize_carry).dtype == jnp.bfloat16
