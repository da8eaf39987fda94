"""The date-translation experiment: core training, then free-running decoding.

The core's loop trains with teacher forcing and reports teacher-forced
metrics; translation quality is what the decoder writes on its own, so after
training every dev and test source is decoded greedily and by beam search
and scored by exact match against the ISO target (notes 5.3). With a TFDS
translation pair as config.dataset (launch/configs/translate.py:wmt, read
by wmt.py) the same model and decoders run on characters and the table adds
corpus BLEU against the full references.
"""

import dataclasses
import os
import time

import jax
import numpy as np

from jaxdl import experiment_checks as checks
from jaxdl.data.dataset import Dataset
from jaxdl.models.registry import build_model
from jaxdl.train import precision
from jaxdl.sequence import attention_plot
from jaxdl.sequence import dates
from jaxdl.sequence import translation
from jaxdl.sequence import wmt
from jaxdl.train.config_check import require, require_choice, require_int, require_range
from jaxdl.train.loop import RunResult, train_and_evaluate
from jaxdl.viz.summaries import SummaryWriter


@dataclasses.dataclass
class TranslateResult:
  run: RunResult  # the core's result (teacher-forced table, state, history)
  accuracy: dict[str, dict[str, float]]  # decoder -> split -> exact match
  examples: list[tuple[str, str, str]]  # (source, predicted, target) on test
  table: str  # Markdown exact-match (and BLEU) table
  bleu: dict[str, dict[str, float]] | None = None  # decoder -> split -> BLEU (WMT)


def format_accuracy_table(accuracy, counts, attention: bool, bleu=None) -> str:
  """Markdown: decoder | split | examples | exact match [| BLEU (0-100)]."""
  extra = (' BLEU |', '---:|') if bleu else ('', '')
  lines = [
      f'| decoder (attention={attention}) | split | examples | exact match |' + extra[0],
      '|---|---|---:|---:|' + extra[1],
  ]
  for decoder, by_split in accuracy.items():
    for split, acc in by_split.items():
      score = f' {100 * bleu[decoder][split]:.2f} |' if bleu else ''
      lines.append(f'| {decoder} | {split} | {counts[split]} | {100 * acc:.2f}% |' + score)
  return '\n'.join(lines)


# PackedTranslator fields that the data set fixes (wmt.py passes them).
_DATA_MODEL_FIELDS = ('num_classes', 'source_len', 'source_vocab_size', 'source_pad')


def check_config(config) -> None:
  """Every field of launch/configs/translate.py; raises ConfigError.

  Runs before any data is generated or downloaded.
  """
  require(
      config.dataset == 'dates' or 'wmt' in config,
      'dataset',
      config.dataset,
      "must be 'dates' (embedded) or a TFDS translation pair with a config.wmt "
      'block (launch/configs/translate.py:wmt)',
  )
  require_choice('model', config.model, ('seq2seq',))
  checks.check_model_kwargs(
      config.model_kwargs, checks.model_class(config.model), reserved=_DATA_MODEL_FIELDS
  )
  checks.check_core_fields(config)
  tc = config.translate
  checks.require_split_sizes('translate.num_{}', tc, 'num_train', config.batch_size)
  require_int('translate.beam_size', tc.beam_size, 1)
  require_range('translate.alpha', tc.alpha, 0)
  require_int('translate.num_examples', tc.num_examples, 0)
  if config.dataset != 'dates':
    wc = config.wmt
    for side in ('source', 'target'):
      lang = wc[f'{side}_lang']
      require(
          isinstance(lang, str) and bool(lang),
          f'wmt.{side}_lang',
          lang,
          'must name a feature of the TFDS pair, e.g. de or en',
      )
      require_int(f'wmt.max_{side}_len', wc[f'max_{side}_len'], 1)
    require(
        wc.source_lang != wc.target_lang,
        'wmt.target_lang',
        wc.target_lang,
        'must differ from wmt.source_lang',
    )
    require_int('wmt.max_vocab', wc.max_vocab, 5)


def run(config, workdir: str) -> TranslateResult:
  """Trains config.model on config.dataset ('dates' or a TFDS translation
  pair) and scores free-running decoding."""
  check_config(config)
  tc = config.translate
  if config.dataset == 'dates':
    splits, info = translation.load_dates(config.seed, tc.num_train, tc.num_dev, tc.num_test)
    decode_source, decode_target = dates.decode_source, dates.decode_target
    data, model_extra = None, {}
  else:
    data = wmt.load_from_config(config)
    splits, info, model_extra = data.splits, data.info, data.model_kwargs
    decode_source, decode_target = data.decode_source, data.decode_target
    print(f'{info.description}\n{data.truncation_report()}')
  dataset = Dataset(name=config.dataset, splits=splits, info=info)
  model = build_model(
      config.model,
      info.num_classes,
      dtype=precision.model_dtype(config),
      **config.model_kwargs,
      **model_extra,
  )
  result = train_and_evaluate(
      config, workdir, dataset=dataset, model=model, task=translation.translation_task()
  )
  params = result.state.params
  decoders = {'greedy': 1, f'beam {tc.beam_size}': tc.beam_size}
  accuracy, predictions = {}, {}
  bleu = {} if data else None
  for name, beam in decoders.items():
    accuracy[name] = {}
    if data:
      bleu[name] = {}
    for split in ('dev', 'test'):
      t0 = time.perf_counter()
      pred = translation.decode_split(model, params, splits[split], beam_size=beam, alpha=tc.alpha)
      accuracy[name][split] = translation.exact_match(pred, splits[split]['target'])
      predictions[(name, split)] = pred
      if data:
        bleu[name][split] = wmt.corpus_bleu(pred, data.references[split], data.target_vocab)
      print(f'decoded {split} with {name} in {time.perf_counter() - t0:.1f}s')
  test = splits['test']
  greedy = predictions[('greedy', 'test')]
  # WMT examples show the full reference, not the truncated target ids.
  reference = (
      (lambda i: data.references['test'][i])
      if data
      else (lambda i: decode_target(test['target'][i]))
  )
  examples = [
      (
          decode_source(test['source'][i], test['source_length'][i]),
          decode_target(greedy[i]),
          reference(i),
      )
      for i in range(min(tc.num_examples, len(greedy)))
  ]
  counts = {s: len(splits[s]['target']) for s in ('dev', 'test')}
  table = format_accuracy_table(accuracy, counts, config.model_kwargs.attention, bleu)
  if jax.process_index() == 0:
    writer = SummaryWriter(workdir)
    scores = {'exact_match': accuracy, 'bleu': bleu or {}}
    writer.scalars(
        int(result.state.step),
        {
            f'{metric}/{d.replace(" ", "_")}/{s}': v
            for metric, by_d in scores.items()
            for d, by in by_d.items()
            for s, v in by.items()
        },
    )
    writer.close()
    if config.model_kwargs.attention:
      _plot_first_attention(model, params, test, greedy, workdir, decode_source, decode_target)
    with open(os.path.join(workdir, 'translations.md'), 'w') as f:
      f.write(table + '\n\n| source | predicted | target |\n|---|---|---|\n')
      for src, pred, tgt in examples:
        f.write(f'| {src} | {pred} | {tgt} |\n')
  return TranslateResult(run=result, accuracy=accuracy, examples=examples, table=table, bleu=bleu)


def _plot_first_attention(
    model,
    params,
    split,
    predicted,
    workdir: str,
    decode_source=dates.decode_source,
    decode_target=dates.decode_target,
) -> str:
  """attention.png: the weights behind the first test example's output
  (special ids are the dates task's, which wmt.py shares)."""
  length = int(split['source_length'][0])
  text = decode_source(split['source'][0], length)
  output = decode_target(predicted[0])
  # The decoder's inputs while it wrote `output`: BOS then its own tokens.
  target_input = np.concatenate([[dates.TARGET_BOS], predicted[0, :-1]])
  source = split['source'][:1]
  # One jitted graph rather than hundreds of eager ops (each compiled).
  weights = jax.jit(
      lambda p, s, t: model.apply(
          {'params': p},
          s,
          s != model.source_pad,
          t,
          method=lambda m, *a: m.model.attention_weights(*a),
      )
  )(params, source, target_input[None].astype(np.int32))
  ids = predicted[0].tolist()
  rows = ids.index(dates.TARGET_EOS) + 1 if dates.TARGET_EOS in ids else len(ids)
  labels = [
      {dates.TARGET_EOS: '<eos>', dates.TARGET_PAD: '<pad>', dates.TARGET_BOS: '<bos>'}.get(i)
      or decode_target([i])
      for i in ids[:rows]
  ]
  return attention_plot.plot_attention(
      np.asarray(weights[0, :rows, :length]),
      text,
      labels,
      os.path.join(workdir, 'attention.png'),
      title=f'{text} -> {output}',
  )


def report(result: TranslateResult, workdir: str) -> str:
  """What launch/translate.py prints: metrics, example translations, exact match."""
  lines = [
      'teacher-forced metrics (error = share of sequences with a wrong token):',
      result.run.table,
      '\nexample translations (greedy, test set):',
  ]
  for source, predicted, target in result.examples:
    mark = 'ok' if predicted == target else 'WRONG'
    lines.append(f'  {source:>30} -> {predicted:<10}  ({target}) {mark}')
  lines += [
      '\nfree-running decoding, exact match:',
      result.table,
      f'curves, TensorBoard events, checkpoints and translations.md in {workdir}',
  ]
  return '\n'.join(lines)
