"""Error analysis of another run's checkpoint (notes 3.10, 3.11).

Restores the run, predicts on dev (and test), tags the misclassified dev
examples (built-in blurry / low-contrast, the most frequent confusions as
user predicates, the likely-mislabelled ranking, and an optional CSV of
manual tags), and writes the 3.10 table as Markdown and CSV, a contact
sheet of the errors, and a relabel CSV for dev *and* test. A reviewed
relabel CSV, passed back in, is applied to both and the errors recomputed.

`inject_label_noise` flips a share of dev/test labels first: a measured
check of how well the mislabel ranking finds label errors (none are known in
the real digits).
"""

from __future__ import annotations

import collections
import dataclasses
import os

import numpy as np

from jaxdl import experiment_checks as checks
from jaxdl.analysis import error_analysis as ea
from jaxdl.review.config_file import load_config
from jaxdl.review.restore import WHICH, predict_probs, restore_run
from jaxdl.train.config_check import require, require_choice, require_int, require_range


@dataclasses.dataclass
class ErrorRunResult:
  """table: the 3.10 table; errors/percent; mislabel ranking and its measured recall."""

  table: ea.ErrorTable
  markdown: str
  dev_error: float
  flagged: dict[str, np.ndarray]  # split -> likely-mislabelled indices, most likely first
  mislabel_share: float  # share of dev errors among the flagged
  injected: dict[str, np.ndarray]  # split -> indices whose labels were flipped
  injected_found: float  # share of injected dev flips that were flagged (nan if none)
  injected_precision: float  # share of flagged dev examples that were injected flips
  relabelled_errors: dict[str, tuple[float, float]] | None  # split -> (before, after)
  predictions: dict[str, np.ndarray]  # split -> predicted classes
  labels: dict[str, np.ndarray]  # split -> labels analysed (after any injected noise)
  files: dict[str, str]


def inject_label_noise(labels: np.ndarray, fraction: float, num_classes: int, seed: int):
  """(noisy labels, flipped indices): `fraction` of labels moved to another class."""
  if not 0 <= fraction < 1:
    raise ValueError(f'inject_label_noise must be in [0, 1), got {fraction}')
  rng = np.random.default_rng(seed)
  flipped = np.sort(rng.choice(len(labels), int(round(fraction * len(labels))), replace=False))
  noisy = np.array(labels, copy=True)
  noisy[flipped] = (noisy[flipped] + rng.integers(1, num_classes, len(flipped))) % num_classes
  return noisy, flipped


def top_confusions(labels, predictions, k: int):
  """The k most frequent (label, prediction) pairs among the errors."""
  wrong = labels != predictions
  pairs = collections.Counter(zip(labels[wrong].tolist(), predictions[wrong].tolist()))
  return [pair for pair, _ in pairs.most_common(k)]


def check_config(config):
  """Every field of launch/configs/error_analysis.py; returns the analysed run's config.

  Raises:
    ConfigError: before anything is restored or computed.
  """
  require(
      bool(config.source_workdir),
      'source_workdir',
      config.source_workdir,
      'required: the --workdir of a finished run to analyse, e.g. '
      '--config.source_workdir=/tmp/jaxdl_train after python launch/train.py '
      '--workdir=/tmp/jaxdl_train',
  )
  checks.require_dir('source_workdir', config.source_workdir, 'run workdir')
  path = str(config.source_config).partition(':')[0]
  checks.require_file('source_config', path, 'config file (path[:variant])')
  try:
    source = load_config(config.source_config)
  except Exception as e:  # a broken or foreign config file: say which and why
    require(False, 'source_config', config.source_config, f'cannot be loaded ({e})')
  require_choice('checkpoint', config.checkpoint, WHICH)
  require_range('inject_label_noise', config.inject_label_noise, 0, 1, high_open=True)
  require_range('tag_quantile', config.tag_quantile, 0, 1, low_open=True, high_open=True)
  for field in ('num_confusion_tags', 'max_errors', 'max_rows', 'sheet_size', 'relabel_top_k'):
    require_int(field, config[field], 0)
  require_range('mislabel_min_confidence', config.mislabel_min_confidence, 0, 1)
  for field in ('manual_tags_csv', 'relabel_csv'):
    if config[field]:
      checks.require_file(field, config[field], 'CSV file (or empty: none)')
  return source


def run(config, workdir: str) -> ErrorRunResult:
  """Runs the error analysis described in launch/configs/error_analysis.py."""
  source = check_config(config)
  os.makedirs(workdir, exist_ok=True)
  state, dataset = restore_run(source, config.source_workdir, config.checkpoint)
  info = dataset.info
  names = info.class_names or tuple(str(c) for c in range(info.num_classes))
  batch = source.get('eval_batch_size', 0) or source.batch_size
  splits = {s: dict(dataset.splits[s]) for s in ('dev', 'test')}
  injected = {}
  for offset, (s, split) in enumerate(splits.items()):
    split['label'], injected[s] = inject_label_noise(
        split['label'], config.inject_label_noise, info.num_classes, config.seed + offset
    )
  probs = {
      s: predict_probs(state, split, batch, info.input_key, source.num_devices)
      for s, split in splits.items()
  }
  dev = splits['dev']
  images, labels = dev[info.input_key], dev['label']
  predictions = probs['dev'].argmax(1)

  flagged = {
      s: ea.rank_likely_mislabelled(probs[s], splits[s]['label'], config.mislabel_min_confidence)[0]
      for s in splits
  }
  tags = {}
  if images.ndim == 4:
    tags.update(ea.image_tag_fns(images, config.tag_quantile))
  for y, p in top_confusions(labels, predictions, config.num_confusion_tags):
    tags[f'{names[y]} read as {names[p]}'] = ea.confusion_tag(y, p)
  tags['likely mislabelled'] = ea.membership_tag(flagged['dev'])
  manual = ea.read_manual_tags(config.manual_tags_csv) if config.manual_tags_csv else None
  table = ea.error_analysis(
      images,
      labels,
      probs['dev'],
      tags,
      manual_tags=manual,
      max_errors=config.max_errors or None,
      seed=config.seed,
  )
  errors = ea.misclassified(probs['dev'], labels)

  files = {
      k: os.path.join(workdir, v)
      for k, v in (
          ('markdown', 'error_table.md'),
          ('csv', 'error_table.csv'),
          ('sheet', 'errors.png'),
          ('relabel', 'relabel_candidates.csv'),
      )
  }
  markdown = table.to_markdown(max_rows=config.max_rows or None)
  with open(files['markdown'], 'w') as f:
    f.write(markdown + '\n')
  with open(files['csv'], 'w') as f:
    f.write(table.to_csv())
  if images.ndim == 4 and images.shape[-1] in (1, 3):
    ea.contact_sheet(
        images,
        table.indices[: config.sheet_size],
        labels,
        predictions,
        files['sheet'],
        columns=10,
        class_names=names,
        title=f'dev errors ({len(errors)} in all): index: label->prediction',
    )
  else:
    files.pop('sheet')
  top = config.relabel_top_k
  candidates = {
      s: (
          flagged[s][:top],
          splits[s]['label'][flagged[s][:top]],
          probs[s].argmax(1)[flagged[s][:top]],
      )
      for s in splits
  }
  with open(files['relabel'], 'w') as f:
    f.write(ea.relabel_candidates_csv(candidates))

  relabelled = None
  if config.relabel_csv:
    fixed, _ = ea.apply_relabels(splits, ea.read_relabels(config.relabel_csv))
    relabelled = {
        s: (
            float(np.mean(probs[s].argmax(1) != splits[s]['label'])),
            float(np.mean(probs[s].argmax(1) != fixed[s]['label'])),
        )
        for s in splits
    }
  found = (
      float(np.isin(injected['dev'], flagged['dev']).mean())
      if len(injected['dev'])
      else float('nan')
  )
  precision = (
      float(np.isin(flagged['dev'], injected['dev']).mean())
      if len(flagged['dev'])
      else float('nan')
  )
  return ErrorRunResult(
      table=table,
      markdown=markdown,
      dev_error=len(errors) / len(labels),
      flagged=flagged,
      mislabel_share=ea.share_of_errors(errors, flagged['dev']),
      injected=injected,
      injected_found=found,
      injected_precision=precision,
      relabelled_errors=relabelled,
      predictions={s: p.argmax(1) for s, p in probs.items()},
      labels={s: split['label'] for s, split in splits.items()},
      files=files,
  )


def report(r: ErrorRunResult, workdir: str) -> str:
  """What launch/error_analysis.py prints: the 3.10 table, mislabels, files."""
  del workdir  # r.files are full paths
  lines = [
      f'dev error {100 * r.dev_error:.2f}%; error analysis table (notes 3.10):',
      r.markdown,
      f"\nlikely mislabelled (3.11): {len(r.flagged['dev'])} dev, "
      f"{len(r.flagged['test'])} test; "
      f'they are {100 * r.mislabel_share:.1f}% of the dev errors',
  ]
  if len(r.injected['dev']):
    lines.append(
        f'injected label flips found by the ranking: {100 * r.injected_found:.1f}% '
        f"of {len(r.injected['dev'])} in dev; {100 * r.injected_precision:.1f}% of the "
        'flagged were injected flips'
    )
  for split, (before, after) in (r.relabelled_errors or {}).items():
    lines.append(f'{split} error after relabelling: {100 * before:.2f}% -> {100 * after:.2f}%')
  lines.append('files: ' + ', '.join(r.files.values()))
  return '\n'.join(lines)
