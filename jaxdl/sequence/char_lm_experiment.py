"""Training a character language model with samples along the way (notes 5.2).

The core's `train_and_evaluate` has no hook for printing text mid-run, so
this loop drives the core's pieces directly — the optimizer factory, the
sharded `train_step`/`eval_step`, batching, orbax checkpoints (resumable),
TensorBoard scalars — and adds what a language model needs: dev perplexity
and temperature samples at every evaluation, and a perplexity curve PNG.
"""
import dataclasses
import functools
import math
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.data import batching
from jaxdl.data.dataset import split_size
from jaxdl.data.normalize import identity_stats
from jaxdl.errors import NonFiniteLossError
from jaxdl.optim.factory import make_optimizer
from jaxdl.parallel import mesh as mesh_lib
from jaxdl.sequence import char_lm
from jaxdl.sequence import corpus
from jaxdl.train import steps as steps_lib
from jaxdl.train.checkpoint import Checkpointer, abstract_like
from jaxdl.train.loop import evaluate
from jaxdl.train.state import create_train_state
from jaxdl.viz.curves import plot_curves
from jaxdl.viz.summaries import SummaryWriter

CORPORA = ('pydoc_text', 'tiny_shakespeare')


@dataclasses.dataclass
class CharLMResult:
  state: object  # final TrainState
  perplexity: dict[str, float]  # split -> perplexity per character
  history: dict[str, list]  # 'step', 'dev/perplexity', 'train_step', ...
  samples: dict[float, str]  # temperature -> final sample
  table: str  # Markdown table


def load_corpus(config):
  """(splits, info) of config.corpus."""
  lm = config.char_lm
  if config.corpus == 'pydoc_text':
    return corpus.load_stdlib_corpus(config.seed, lm.seq_len, lm.max_chars)
  if config.corpus == 'tiny_shakespeare':
    return corpus.load_tiny_shakespeare(config.seed, lm.seq_len,
                                        config.data_dir or None,
                                        config.allow_download, lm.max_chars)
  raise ValueError(f'config.corpus must be one of {CORPORA}, got '
                   f'{config.corpus!r}')


def _samples(model, params, config, step):
  lm = config.char_lm
  prompt = corpus.encode(lm.prompt)[None]
  out = {}
  for i, t in enumerate(lm.temperatures):
    rng = jax.random.fold_in(jax.random.key(config.seed), step * 100 + i)
    ids = char_lm.sample(model, params, jnp.asarray(prompt), lm.sample_length,
                         rng, float(t))
    out[float(t)] = lm.prompt + corpus.decode(np.asarray(ids[0]))
  return out


def run(config, workdir: str, print_fn=print) -> CharLMResult:
  """Trains a CharLM on config.corpus; resumes from workdir's checkpoint."""
  os.makedirs(workdir, exist_ok=True)
  splits, info = load_corpus(config)
  lm = config.char_lm
  model = char_lm.CharLM(info.num_classes, **config.model_kwargs)
  task = char_lm.language_model_task()
  mesh = mesh_lib.make_mesh(config.num_devices)
  mesh_lib.check_batch_size(config.batch_size, mesh)
  spe = batching.steps_per_epoch(split_size(splits['train']), config.batch_size)
  total = config.num_train_steps
  tx = make_optimizer(config.optimizer, spe, total)
  init = jax.jit(functools.partial(create_train_state, model, tx),
                 out_shardings=mesh_lib.replicated(mesh))
  state = init(jnp.zeros((1, lm.seq_len), jnp.int32), jax.random.key(config.seed),
               identity_stats(1))
  ckpt = Checkpointer(workdir, best_metric='dev/loss')
  history: dict[str, list] = {}
  restored = ckpt.restore_latest(abstract_like(state))
  if restored is not None:
    state, meta = restored
    history = meta['history']
    print_fn(f'resumed at step {int(state.step)}')
  train_fn = steps_lib.jit_train_step(mesh, task=task)
  eval_fn = steps_lib.jit_eval_step(mesh, task=task)
  writer = SummaryWriter(workdir)
  step = int(state.step)
  batches = batching.train_batches(splits['train'], config.batch_size,
                                   config.seed, step)
  window, t0 = None, time.perf_counter()
  while step < total:
    state, metrics = train_fn(state, mesh_lib.shard_batch(next(batches), mesh))
    metrics.pop('objective')
    window = steps_lib.sum_metrics(window, metrics)
    step += 1
    if step % config.log_every_steps == 0 or step == total:
      train = steps_lib.finalize_metrics(window)
      window = None
      if not math.isfinite(train['loss']):
        raise NonFiniteLossError(step, train['loss'], None)
      rate = config.log_every_steps * config.batch_size * lm.seq_len / (
          time.perf_counter() - t0)
      print_fn(f'step {step}/{total}  train loss {train["loss"]:.3f} nats/char '
               f'(perplexity {math.exp(train["loss"]):.2f})  {rate:.0f} chars/s')
      history.setdefault('train_step', []).append(step)
      history.setdefault('train/perplexity', []).append(math.exp(train['loss']))
      writer.scalars(step, {'train/loss': train['loss'],
                            'train/perplexity': math.exp(train['loss'])})
      t0 = time.perf_counter()
    if step % config.eval_every_steps == 0 or step == total:
      dev = evaluate(state, splits['dev'], eval_fn, mesh, config.eval_batch_size)
      values = {'dev/loss': dev['loss'], 'dev/perplexity': math.exp(dev['loss']),
                'dev/error': dev['error']}
      history.setdefault('step', []).append(step)
      for k, v in values.items():
        history.setdefault(k, []).append(v)
      writer.scalars(step, values)
      print_fn(f'step {step}: dev perplexity {values["dev/perplexity"]:.2f}')
      for t, text in _samples(model, state.params, config, step).items():
        print_fn(f'  sample (temperature {t}): {text!r}')
      ckpt.save_latest(step, state, {'history': history})
      ckpt.save_best(step, state, {'history': history}, values)
      t0 = time.perf_counter()
  ckpt.wait()
  ppl = {}
  for name in ('train', 'dev', 'test'):
    m = evaluate(state, splits[name], eval_fn, mesh, config.eval_batch_size)
    ppl[name] = math.exp(m['loss'])
  writer.scalars(step, {f'final/{k}/perplexity': v for k, v in ppl.items()})
  writer.close()
  samples = _samples(model, state.params, config, step)
  counts = {k: int(v['target_mask'].sum()) for k, v in splits.items()}
  table = '\n'.join(
      ['| split | characters | perplexity | bits/char |', '|---|---:|---:|---:|'] +
      [f'| {k} | {counts[k]} | {v:.3f} | {math.log2(v):.3f} |'
       for k, v in ppl.items()])
  if jax.process_index() == 0 and history.get('step'):
    plot_curves({'train (running)': (history['train_step'],
                                     history['train/perplexity']),
                 'dev': (history['step'], history['dev/perplexity'])},
                os.path.join(workdir, 'perplexity.png'), ylabel='perplexity',
                title=f'char LM on {config.corpus}: perplexity', logy=True)
    with open(os.path.join(workdir, 'results.md'), 'w') as f:
      f.write(table + '\n')
  ckpt.close()
  return CharLMResult(state=state, perplexity=ppl, history=history,
                      samples=samples, table=table)
