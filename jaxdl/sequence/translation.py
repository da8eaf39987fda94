"""Date translation as a jaxdl task: packed inputs, loss, decoding, scores.

The core trains any model that maps one input array to outputs. A
translation example has two token arrays (source and teacher-forcing
decoder input), so the data set packs them side by side into one
[N, S + T] int32 'tokens' array and `PackedTranslator` unpacks them; the
source mask is recomputed from the padding id, so nothing else is needed.
"""

import functools
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.data.dataset import DatasetInfo
from jaxdl.sequence import dates
from jaxdl.sequence import masking
from jaxdl.sequence import seq2seq
from jaxdl.train.task import Task


class PackedTranslator(nn.Module):
  """EncoderDecoder reading packed [batch, S + T] tokens (see module doc)."""

  num_classes: int  # Target vocabulary size (the registry's name for it).
  source_len: int = dates.MAX_SOURCE_LEN  # S, the source part of the packing.
  source_vocab_size: int = dates.SOURCE_VOCAB_SIZE  # Source ids range.
  embed_dim: int = 32  # Token embedding size.
  features: int = 128  # Encoder/decoder hidden size.
  cell_type: str = 'gru'  # One of rnn.CELL_TYPES.
  attention: bool = True  # Luong attention (beyond the notes).
  source_pad: int = dates.SOURCE_PAD  # Source padding id.
  dtype: Any = None  # Computation dtype.

  def setup(self):
    self.model = seq2seq.EncoderDecoder(
        self.source_vocab_size,
        self.num_classes,
        self.embed_dim,
        self.features,
        self.cell_type,
        self.attention,
        self.dtype,
    )

  def unpack(self, tokens):
    """[batch, S + T] -> (source [batch, S], mask [batch, S], target_input)."""
    source = tokens[:, : self.source_len]
    return source, source != self.source_pad, tokens[:, self.source_len :]

  def __call__(self, tokens, train: bool = False):
    """Teacher-forced logits [batch, T, num_classes]; `train` is unused
    (no dropout or batch norm) but part of the core's model interface."""
    del train
    return self.model(*self.unpack(tokens))

  def init_decode_state(self, source, source_mask):
    return self.model.init_decode_state(source, source_mask)

  def decode_step(self, state, tokens):
    return self.model.decode_step(state, tokens)

  def embed_sequence(self, source, source_mask):
    return self.model.embed_sequence(source, source_mask)


def pack(split: dict[str, np.ndarray]) -> np.ndarray:
  """Host side: [N, S] source ++ [N, T] target_input -> [N, S + T] int32."""
  return np.concatenate([split['source'], split['target_input']], axis=1)


def load_dates(seed: int, num_train: int = 20000, num_dev: int = 1000, num_test: int = 1000):
  """Registry loader: held-out date splits with packed 'tokens' inputs.

  Returns:
    ({'train', 'dev', 'test'} splits, DatasetInfo) as `jaxdl.data.registry`
    expects; label_key 'target' is [N, T] ids, num_classes the target vocab.
  """
  splits = dates.make_splits(seed, num_train, num_dev, num_test)
  for split in splits.values():
    split['tokens'] = pack(split)
  info = DatasetInfo(
      num_classes=dates.TARGET_VOCAB_SIZE,
      input_key='tokens',
      label_key='target',
      description='human-readable dates -> ISO 8601, held-out days',
      extra={
          'source_len': dates.MAX_SOURCE_LEN,
          'bos_id': dates.TARGET_BOS,
          'eos_id': dates.TARGET_EOS,
          'pad_id': dates.TARGET_PAD,
          'target_len': dates.TARGET_LEN + 1,
      },
  )
  return splits, info


def translation_task(
    label_key: str = 'target', input_key: str = 'tokens', pad_id: int = dates.TARGET_PAD
) -> Task:
  """Teacher-forced token cross-entropy (notes 5.3).

  Metrics: 'loss' per real target token; 'token_error'; 'error', the share
  of sequences with at least one wrong token under teacher forcing (a lower
  bound of the free-running error, which `exact_match` measures).
  """

  def loss_fn(logits, batch):
    targets = batch[label_key]
    example_mask = batch.get('mask', jnp.ones(targets.shape[0], jnp.float32))
    token_mask = (targets != pad_id) * example_mask[:, None]
    nll, count = masking.masked_token_cross_entropy(logits, targets, token_mask)
    hits, _ = masking.masked_token_accuracy(logits, targets, token_mask)
    wrong = (jnp.argmax(logits, -1) != targets) & (token_mask > 0)
    seq_wrong = jnp.any(wrong, axis=1).astype(jnp.float32) * example_mask
    n_seq = example_mask.sum()
    return nll / jnp.maximum(count, 1.0), {
        'loss': (nll, count),
        'token_error': (count - hits, count),
        'error': (seq_wrong.sum(), n_seq),
    }

  return Task(loss_fn=loss_fn, input_key=input_key, normalize_input=False)


@functools.partial(jax.jit, static_argnames=('model', 'max_len', 'beam_size', 'alpha'))
def _decode(model, params, source, *, max_len, beam_size, alpha):
  mask = source != model.source_pad
  tokens, _ = seq2seq.translate(
      model,
      {'params': params},
      source,
      mask,
      max_len=max_len,
      bos_id=dates.TARGET_BOS,
      eos_id=dates.TARGET_EOS,
      pad_id=dates.TARGET_PAD,
      beam_size=beam_size,
      alpha=alpha,
  )
  return tokens


def decode_split(
    model: PackedTranslator,
    params,
    split: dict[str, np.ndarray],
    *,
    beam_size: int = 1,
    alpha: float = 0.0,
    batch_size: int = 500,
) -> np.ndarray:
  """Free-running decoding (no teacher forcing) of a whole split.

  Returns:
    [N, T] int32 predicted target ids (EOS then padding after the end).
  """
  max_len = split['target'].shape[1]
  n = len(split['source'])
  batch_size = min(batch_size, n)
  out = []
  for start in range(0, n, batch_size):
    chunk = split['source'][start : start + batch_size]
    pad = batch_size - len(chunk)  # one compiled shape for every chunk.
    chunk = np.concatenate([chunk, np.repeat(chunk[:1], pad, 0)]) if pad else chunk
    tokens = _decode(model, params, chunk, max_len=max_len, beam_size=beam_size, alpha=alpha)
    out.append(np.asarray(tokens)[: batch_size - pad])
  return np.concatenate(out)


def exact_match(predicted: np.ndarray, target: np.ndarray, eos_id: int = dates.TARGET_EOS) -> float:
  """Share of sequences whose tokens up to and including EOS all match.

  Args:
    predicted, target: [N, T] int ids.
  """
  if predicted.shape != target.shape:
    raise ValueError(
        f'predicted {predicted.shape} and target {target.shape} ' 'must have the same shape'
    )
  # Positions after the target's EOS are ignored (padding may differ).
  after = np.cumsum(target == eos_id, axis=1) - (target == eos_id) > 0
  ok = (predicted == target) | after
  return float(np.mean(np.all(ok, axis=1)))
