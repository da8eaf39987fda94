"""The data-mismatch experiment: diagnose, then synthesise B-like training data (notes 3.12, 3.13).

For each entry of `config.mismatch.synthesis` ('none', 'all', or corruption
names joined by '+', e.g. 'blur+noise'), build the mismatch splits with that
synthesis applied to A, train with the core loop, and diagnose the run. The
table compares the gaps: synthesis should shrink the train-dev -> dev (data
mismatch) gap, and a partial synthesis shows 3.13's caution about simulating
only a subset of the real variation.
"""

from __future__ import annotations

import dataclasses
import os

from jaxdl import experiment_checks as checks
from jaxdl.analysis import confidence
from jaxdl.analysis.diagnosis import Diagnosis, diagnose
from jaxdl.data import corruptions
from jaxdl.mismatch.data import mismatch_dataset
from jaxdl.train.config_check import require, require_int, require_interval, require_range
from jaxdl.train.loop import train_and_evaluate


@dataclasses.dataclass
class MismatchResult:
  """errors: {variant: {split: error}}; diagnoses and their printed reports; the table."""

  errors: dict[str, dict[str, float]]
  counts: dict[str, dict[str, int]]
  diagnoses: dict[str, Diagnosis]
  reports: dict[str, str]
  table: str


def human_error_from(config):
  """config.human_error, or None when it is negative (unknown: never assume)."""
  value = config.get('human_error', -1.0)
  return None if value is None or value < 0 else float(value)


def synthesis_corruptions(name: str) -> tuple[str, ...]:
  """'none' -> (), 'all' -> every corruption, 'blur+noise' -> ('blur', 'noise')."""
  if name == 'none':
    return ()
  if name == 'all':
    return corruptions.CORRUPTIONS
  parts = tuple(name.split('+'))
  unknown = [p for p in parts if p not in corruptions.CORRUPTIONS]
  if unknown:
    raise ValueError(
        f'config.mismatch.synthesis entry {name!r}: {unknown} not in '
        f"'none', 'all' or {corruptions.CORRUPTIONS} joined by '+'"
    )
  return parts


def photos_from(cfg) -> corruptions.UserPhotos:
  return corruptions.UserPhotos(
      blur_sigma=tuple(cfg.blur_sigma),
      noise_std=tuple(cfg.noise_std),
      max_shift=cfg.max_shift,
      contrast=tuple(cfg.contrast),
  )


def check_photos(cfg, prefix: str) -> None:
  """The corruption ranges of distribution B (photos_from's fields)."""
  require_interval(f'{prefix}.blur_sigma', cfg.blur_sigma, 0)
  require_interval(f'{prefix}.noise_std', cfg.noise_std, 0)
  require_int(f'{prefix}.max_shift', cfg.max_shift, 0)
  require_interval(f'{prefix}.contrast', cfg.contrast, 0, low_open=True)


def check_config(config) -> None:
  """Every field of launch/configs/data_mismatch.py; raises ConfigError before any data."""
  checks.check_model_kwargs(config.model_kwargs, checks.model_class(config.model))
  checks.check_core_fields(config)
  cfg = config.mismatch
  require_range('mismatch.a_fraction', cfg.a_fraction, 0, 1, low_open=True, high_open=True)
  require_range(
      'mismatch.train_dev_fraction', cfg.train_dev_fraction, 0, 1, low_open=True, high_open=True
  )
  require_range('mismatch.b_in_train', cfg.b_in_train, 0, 1, high_open=True)
  check_photos(cfg, 'mismatch')
  names = tuple(cfg.synthesis)
  require(
      bool(names) and len(set(names)) == len(names),
      'mismatch.synthesis',
      names,
      'must be a non-empty sequence of distinct runs',
  )
  for name in names:
    try:
      synthesis_corruptions(name)
    except ValueError:
      require(
          False,
          'mismatch.synthesis',
          names,
          f"entry {name!r}: each must be 'none', "
          f"'all' or corruptions from {', '.join(corruptions.CORRUPTIONS)} joined by '+'",
      )
  require_int('mismatch.synthesis_copies', cfg.synthesis_copies, 1)


def format_table(errors, counts, diagnoses) -> str:
  """Markdown: one row per synthesis variant, errors in % and the gaps in points."""
  lines = [
      '| synthesis on A | train | train-dev | dev (B) | dev 95% CI | test (B) | '
      'variance | data mismatch | largest gap |',
      '|---|---:|---:|---:|---|---:|---:|---:|---|',
  ]
  for name, e in errors.items():
    d = diagnoses[name]
    low, high = confidence.error_confidence_interval(e['dev'], counts[name]['dev'])
    lines.append(
        f"| {name} | {100 * e['train']:.2f}% | {100 * e['train_dev']:.2f}% | "
        f"{100 * e['dev']:.2f}% | {100 * low:.1f}-{100 * high:.1f}% | {100 * e['test']:.2f}% | "
        f"{100 * d.gap('variance'):+.2f} | {100 * d.gap('data_mismatch'):+.2f} | "
        f"{(d.largest or 'none').replace('_', ' ')} |"
    )
  return '\n'.join(lines)


def plot_errors(errors, path: str) -> None:
  """Grouped bars: error per split for each synthesis variant."""
  import matplotlib

  matplotlib.use('Agg')
  import matplotlib.pyplot as plt
  import numpy as np

  splits = ('train', 'train_dev', 'dev', 'test')
  names = list(errors)
  x = np.arange(len(splits))
  width = 0.8 / max(len(names), 1)
  fig, ax = plt.subplots(figsize=(6, 3.5))
  for i, name in enumerate(names):
    ax.bar(x + i * width, [100 * errors[name][s] for s in splits], width, label=name)
  ax.set_xticks(x + width * (len(names) - 1) / 2, splits)
  ax.set_ylabel('error (%)')
  ax.set_title('train on A, dev/test on B (user photos)')
  ax.legend(title='synthesis on A', fontsize=8)
  fig.tight_layout()
  fig.savefig(path, dpi=100)
  plt.close(fig)


def run(config, workdir: str) -> MismatchResult:
  """Trains one model per synthesis variant and diagnoses each.

  Args:
    config: launch/configs/data_mismatch.py (a train config plus `mismatch`).
    workdir: one sub-directory per variant (checkpoints, curves, TensorBoard),
      plus mismatch.md (table and diagnoses) and mismatch_errors.png.

  Returns:
    MismatchResult.
  """
  check_config(config)
  cfg = config.mismatch
  human = human_error_from(config)
  photos = photos_from(cfg)
  errors, counts, diagnoses, reports = {}, {}, {}, {}
  for name in cfg.synthesis:
    dataset = mismatch_dataset(
        config.seed,
        a_fraction=cfg.a_fraction,
        train_dev_fraction=cfg.train_dev_fraction,
        b_in_train=cfg.b_in_train,
        photos=photos,
        synthesis=synthesis_corruptions(name),
        synthesis_copies=cfg.synthesis_copies if name != 'none' else 1,
    )
    result = train_and_evaluate(config, os.path.join(workdir, name), dataset=dataset)
    errors[name] = {s: m['error'] for s, m in result.final.items()}
    counts[name] = {s: dataset.num_examples(s) for s in dataset.splits}
    diagnoses[name] = diagnose(
        human,
        errors[name]['train'],
        errors[name]['dev'],
        train_dev_error=errors[name]['train_dev'],
        test_error=errors[name]['test'],
    )
    reports[name] = diagnoses[name].report(counts[name])
  table = format_table(errors, counts, diagnoses)
  with open(os.path.join(workdir, 'mismatch.md'), 'w') as f:
    f.write(table + '\n')
    for name, text in reports.items():
      f.write(f'\n## synthesis: {name}\n\n```\n{text}\n```\n')
  plot_errors(errors, os.path.join(workdir, 'mismatch_errors.png'))
  return MismatchResult(errors, counts, diagnoses, reports, table)


def report(result: MismatchResult, workdir: str) -> str:
  """What launch/data_mismatch.py prints: each synthesis diagnosis, then the table."""
  lines = [f'\n=== synthesis on A: {name} ===\n{text}' for name, text in result.reports.items()]
  lines += [
      '\nerrors by training data (dev and test are user photos, B):',
      result.table,
      f'\ntable, diagnoses and mismatch_errors.png in {workdir}',
  ]
  return '\n'.join(lines)
