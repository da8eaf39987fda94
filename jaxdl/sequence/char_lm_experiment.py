"""Training a character language model with samples along the way (notes 5.2).

The core's `train_and_evaluate` runs it: sharded steps, multi-host data
slicing, checkpoints that resume after any fault, config identity, the NaN
stop and TensorBoard. This module adds what a language model needs: the
corpus as a Dataset of next-character windows, dev perplexity and
temperature samples at every evaluation (the core's ``on_eval`` hook), a
perplexity curve PNG and a perplexity table.
"""

import dataclasses
import math
import os

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.data.dataset import Dataset
from jaxdl.sequence import char_lm
from jaxdl.sequence import corpus
from jaxdl.train.config_check import require, require_choice
from jaxdl.train import precision
from jaxdl.train.loop import train_and_evaluate
from jaxdl.viz.curves import plot_curves

# Fields that change only what is printed, not what is trained.
SAMPLE_FIELDS = ('char_lm.prompt', 'char_lm.sample_length', 'char_lm.temperatures')

CORPORA = ('pydoc_text', 'tiny_shakespeare')


@dataclasses.dataclass
class CharLMResult:
  state: object  # final TrainState
  perplexity: dict[str, float]  # split -> perplexity per character
  history: dict  # the core's: 'step', 'dev/loss', ..., 'train_batch': {'step', 'loss'}
  samples: dict[float, str]  # temperature -> final sample
  table: str  # Markdown table


def check_config(config) -> None:
  """The char-LM fields (the core checks the training fields); ConfigError."""
  lm = config.char_lm
  require_choice('corpus', config.corpus, CORPORA)
  require(
      isinstance(lm.seq_len, int) and lm.seq_len >= 2,
      'char_lm.seq_len',
      lm.seq_len,
      'must be an integer >= 2',
  )
  require(
      isinstance(lm.max_chars, int) and (lm.max_chars == 0 or lm.max_chars > lm.seq_len),
      'char_lm.max_chars',
      lm.max_chars,
      f'must be 0 (all) or > seq_len ({lm.seq_len})',
  )
  require(
      isinstance(lm.sample_length, int) and lm.sample_length >= 1,
      'char_lm.sample_length',
      lm.sample_length,
      'must be an integer >= 1',
  )
  temps = tuple(lm.temperatures)
  require(
      bool(temps) and all(t > 0 for t in temps),
      'char_lm.temperatures',
      temps,
      'must be one or more temperatures > 0',
  )
  require(
      isinstance(lm.prompt, str) and len(lm.prompt) >= 1,
      'char_lm.prompt',
      lm.prompt,
      'must be a non-empty string',
  )
  for field in ('embed_dim', 'features', 'num_layers'):
    value = config.model_kwargs[field]
    require(
        isinstance(value, int) and value >= 1,
        f'model_kwargs.{field}',
        value,
        'must be an integer >= 1',
    )
  require_choice(
      'model_kwargs.cell_type', config.model_kwargs.cell_type, ('vanilla', 'lstm', 'gru')
  )
  require(config.num_train_steps >= 1, 'num_train_steps', config.num_train_steps, 'must be >= 1')


def load_corpus(config):
  """(splits, info) of config.corpus."""
  lm = config.char_lm
  if config.corpus == 'pydoc_text':
    return corpus.load_stdlib_corpus(config.seed, lm.seq_len, lm.max_chars)
  if config.corpus == 'tiny_shakespeare':
    return corpus.load_tiny_shakespeare(
        config.seed, lm.seq_len, config.data_dir or None, config.allow_download, lm.max_chars
    )
  raise ValueError(f'config.corpus must be one of {CORPORA}, got ' f'{config.corpus!r}')


def _samples(model, params, config, step):
  lm = config.char_lm
  prompt = corpus.encode(lm.prompt)[None]
  out = {}
  for i, t in enumerate(lm.temperatures):
    rng = jax.random.fold_in(jax.random.key(config.seed), step * 100 + i)
    ids = char_lm.sample(model, params, jnp.asarray(prompt), lm.sample_length, rng, float(t))
    out[float(t)] = lm.prompt + corpus.decode(np.asarray(ids[0]))
  return out


def run(config, workdir: str, print_fn=print) -> CharLMResult:
  """Trains a CharLM on config.corpus; resumes from workdir's checkpoint."""
  check_config(config)
  splits, info = load_corpus(config)
  model = char_lm.CharLM(
      info.num_classes, dtype=precision.model_dtype(config), **config.model_kwargs
  )

  def on_eval(step, state, values):
    print_fn(f'step {step}: dev perplexity {math.exp(values["dev/loss"]):.2f}')
    for t, text in _samples(model, state.params, config, step).items():
      print_fn(f'  sample (temperature {t}): {text!r}')

  result = train_and_evaluate(
      config,
      workdir,
      dataset=Dataset(config.corpus, splits, info),
      model=model,
      task=char_lm.language_model_task(),
      on_eval=on_eval,
      run_fields=SAMPLE_FIELDS,
  )
  if result.start_step:
    print_fn(f'resumed at step {result.start_step}')
  history = result.history
  ppl = {name: math.exp(result.final[name]['loss']) for name in ('train', 'dev', 'test')}
  samples = _samples(model, result.state.params, config, int(result.state.step))
  counts = {k: int(v['target_mask'].sum()) for k, v in splits.items()}
  table = '\n'.join(
      ['| split | characters | perplexity | bits/char |', '|---|---:|---:|---:|']
      + [f'| {k} | {counts[k]} | {v:.3f} | {math.log2(v):.3f} |' for k, v in ppl.items()]
  )
  if jax.process_index() == 0 and history.get('step'):
    running = history.get('train_batch', {})
    series = {'dev': (history['step'], [math.exp(v) for v in history['dev/loss']])}
    if running.get('loss'):
      series['train (running)'] = (running['step'], [math.exp(v) for v in running['loss']])
    plot_curves(
        series,
        os.path.join(workdir, 'perplexity.png'),
        ylabel='perplexity',
        title=f'char LM on {config.corpus}: perplexity',
        logy=True,
    )
    with open(os.path.join(workdir, 'results.md'), 'w') as f:
      f.write(table + '\n')
  return CharLMResult(
      state=result.state, perplexity=ppl, history=history, samples=samples, table=table
  )


def report(result: CharLMResult, workdir: str) -> str:
  """What launch/char_lm.py prints: the final samples, perplexity, the files."""
  lines = [f'\nfinal sample, temperature {t}:\n{text}' for t, text in result.samples.items()]
  lines += [
      '\nper-character perplexity:',
      result.table,
      f'perplexity.png, TensorBoard events and checkpoints in {workdir}',
  ]
  return '\n'.join(lines)
