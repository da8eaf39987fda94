"""Character-level RNN language model (notes 5.2).

The model reads characters x⟨1..T⟩ and at every step outputs a softmax over
the next character, so P(text) = Π_t P(x⟨t+1⟩ | x⟨1..t⟩). Quality is the
per-character perplexity exp(mean −log P); generation samples one character
at a time from softmax(logits / temperature) and feeds it back in.
"""

import functools
import math
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxdl.sequence import masking
from jaxdl.sequence import rnn
from jaxdl.train.task import Task


class CharLM(nn.Module):
  """Embedding -> stacked recurrent layers -> next-character logits."""

  num_classes: int  # Vocabulary size V (the registry's name for it).
  embed_dim: int = 64  # Character embedding size.
  features: int = 256  # Hidden size of every recurrent layer.
  num_layers: int = 1  # Stacked recurrent layers.
  cell_type: str = 'gru'  # One of rnn.CELL_TYPES.
  dtype: Any = None  # Computation dtype.

  def setup(self):
    if self.num_layers < 1:
      raise ValueError(f'num_layers must be >= 1, got {self.num_layers}')
    self.embed = nn.Embed(self.num_classes, self.embed_dim)
    self.layers = [
        rnn.Recurrence(self.cell_type, self.features, self.dtype) for _ in range(self.num_layers)
    ]
    self.readout = nn.Dense(self.num_classes, dtype=self.dtype)

  def __call__(self, inputs, train: bool = False):
    """Args: inputs [batch, T] int32 ids; `train` unused (no dropout).

    Returns:
      logits [batch, T, V]: position t predicts character t + 1.
    """
    del train
    return self.prime(inputs)[1]

  def prime(self, inputs):
    """Runs a prompt; returns (per-layer carries, logits [batch, T, V])."""
    h = self.embed(inputs)
    carries = []
    for layer in self.layers:
      carry, h = layer(h)
      carries.append(carry)
    return tuple(carries), self.readout(h)

  def step(self, carries, tokens):
    """One character: (carries, [batch] ids) -> (carries, logits [batch, V])."""
    h = self.embed(tokens)
    new = []
    for layer, carry in zip(self.layers, carries):
      carry, h = layer.step(carry, h)
      new.append(carry)
    return tuple(new), self.readout(h)


def sample_token(rng, logits, temperature: float):
  """Draws ids from softmax(logits / temperature); temperature 0 = argmax.

  Low temperatures sharpen the distribution towards the likeliest character,
  high ones flatten it towards uniform.

  Args:
    rng: PRNG key.
    logits: [..., V].
    temperature: >= 0.

  Returns:
    [...] int32 ids.
  """
  if temperature < 0:
    raise ValueError(f'temperature must be >= 0, got {temperature}')
  if temperature == 0:
    return jnp.argmax(logits, axis=-1).astype(jnp.int32)
  return jax.random.categorical(rng, logits / temperature, axis=-1).astype(jnp.int32)


@functools.partial(jax.jit, static_argnames=('model', 'length', 'temperature'))
def _sample(model, params, prompt, rng, *, length, temperature):
  variables = {'params': params}
  carries, logits = model.apply(variables, prompt, method=model.prime)

  def body(carry, key):
    carries, last_logits = carry
    token = sample_token(key, last_logits, temperature)
    carries, next_logits = model.apply(variables, carries, token, method=model.step)
    return (carries, next_logits), token

  _, tokens = jax.lax.scan(body, (carries, logits[:, -1]), jax.random.split(rng, length))
  return tokens.T


def sample(model: CharLM, params, prompt, length: int, rng, temperature: float):
  """Continues `prompt` by `length` characters, each fed back as input.

  Args:
    model, params: a trained CharLM.
    prompt: [batch, P] int32 ids, P >= 1.
    length: characters to generate.
    rng: PRNG key; one sub-key per step.
    temperature: see `sample_token`.

  Returns:
    [batch, length] int32 generated ids (prompt excluded).
  """
  if length < 1:
    raise ValueError(f'length must be >= 1, got {length}')
  if prompt.ndim != 2 or prompt.shape[1] < 1:
    raise ValueError(f'prompt must be [batch, P >= 1], got shape {prompt.shape}')
  if temperature < 0:
    raise ValueError(f'temperature must be >= 0, got {temperature}')
  # Jitted with the model, length and temperature static: one compilation
  # per setting, reused by every evaluation of a run.
  return _sample(
      model, params, jnp.asarray(prompt), rng, length=int(length), temperature=float(temperature)
  )


def perplexity(nll_sum: float, count: float) -> float:
  """exp(total −log P / number of predicted characters)."""
  if count <= 0:
    raise ValueError(f'count must be > 0, got {count}')
  return math.exp(nll_sum / count)


def language_model_task(
    input_key: str = 'inputs', label_key: str = 'targets', mask_key: str = 'target_mask'
) -> Task:
  """Next-character cross-entropy; 'loss' is nats per character, so
  exp(dev/loss) is the dev perplexity; 'error' is the per-character error."""

  def loss_fn(logits, batch):
    targets = batch[label_key]
    example_mask = batch.get('mask', jnp.ones(targets.shape[0], jnp.float32))
    mask = batch[mask_key] * example_mask[:, None]
    nll, count = masking.masked_token_cross_entropy(logits, targets, mask)
    hits, _ = masking.masked_token_accuracy(logits, targets, mask)
    return nll / jnp.maximum(count, 1.0), {'loss': (nll, count), 'error': (count - hits, count)}

  return Task(loss_fn=loss_fn, input_key=input_key, normalize_input=False)
