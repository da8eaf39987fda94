"""Transfer from digits 0-4 (task A) to few-shot digits 5-9 (task B) (notes 3.14).

1. Pretrain on A with the core loop (or reuse another run: config.transfer.pretrained_workdir).
2. Load its checkpoint's parameters back from disk (orbax), as any later run would.
3. On B's few examples, with the same optimizer and step budget, train:
   scratch  - a randomly initialised network;
   frozen   - the pretrained backbone fixed, only the new head learns;
   finetune - everything learns, the backbone at backbone_lr_scale x the rate.
"""
from __future__ import annotations

import dataclasses
import os

import jax
import numpy as np

from jaxdl.analysis import confidence
from jaxdl.data.batching import steps_per_epoch
from jaxdl.models.registry import build_model
from jaxdl.optim.factory import make_optimizer
from jaxdl.train.loop import train_and_evaluate
from jaxdl.train.task import classification_task
from jaxdl.transfer.digit_tasks import digit_tasks
from jaxdl.transfer.finetune import finetune
from jaxdl.transfer.freezing import MODES, param_labels, transfer_optimizer
from jaxdl.transfer.pretrained import WarmStart, load_pretrained
from jaxdl.viz.summaries import SummaryWriter


@dataclasses.dataclass
class TransferResult:
  """errors: {mode: {split: error}} on task B; trainable: {mode: parameter count}."""
  errors: dict[str, dict[str, float]]
  trainable: dict[str, int]
  pretrained_from: str
  pretrain_table: str
  table: str


def trainable_count(params, mode: str, head_modules=('head',)) -> int:
  """Parameters the optimizer may change: the head alone when frozen."""
  labels = param_labels(params, head_modules)
  sizes = jax.tree.map(lambda label, p: int(np.prod(p.shape)) if mode != 'frozen' or label == 'head'
                       else 0, labels, params)
  return int(sum(jax.tree.leaves(sizes)))


def format_table(errors, trainable, counts) -> str:
  lines = ['| init / training on B | trainable params | train (B) | dev (B) | dev 95% CI | test (B) |',
           '|---|---:|---:|---:|---|---:|']
  for mode, e in errors.items():
    low, high = confidence.error_confidence_interval(e['dev'], counts['dev'])
    lines.append(f"| {mode} | {trainable[mode]:,} | {100 * e['train']:.2f}% | "
                 f"{100 * e['dev']:.2f}% | {100 * low:.1f}-{100 * high:.1f}% | "
                 f"{100 * e['test']:.2f}% |")
  return '\n'.join(lines)


def run(config, workdir: str) -> TransferResult:
  """Pretrains on A (unless given a run), then compares scratch/frozen/finetune on B.

  Args:
    config: launch/configs/transfer.py.
    workdir: pretrain_a/ (the core run of task A, unless reused), TensorBoard
      scalars of the B runs, and transfer.md with the table.
  """
  cfg = config.transfer
  unknown = [m for m in cfg.modes if m not in MODES]
  if unknown:
    raise ValueError(f'config.transfer.modes {unknown} not among {MODES}')
  dataset_a, dataset_b = digit_tasks(config.seed, cfg.shots_per_class)
  pretrain_table = ''
  source = cfg.pretrained_workdir
  if not source:
    source = os.path.join(workdir, 'pretrain_a')
    pretrain_table = train_and_evaluate(config, source, dataset=dataset_a).table
  loaded = load_pretrained(source, cfg.checkpoint)

  num_classes = dataset_b.info.num_classes
  model = build_model(config.model, num_classes, **config.model_kwargs)
  task = classification_task(num_classes)
  spe = steps_per_epoch(dataset_b.num_examples('train'), cfg.batch_size)
  writer = SummaryWriter(workdir)
  errors, trainable = {}, {}
  for mode in cfg.modes:
    def make_tx(params, mode=mode):
      base = make_optimizer(cfg.optimizer, spe, cfg.steps)
      return transfer_optimizer(base, params, mode, backbone_lr_scale=cfg.backbone_lr_scale)

    warm = mode != 'scratch'
    result = finetune(dataset_b, WarmStart(model, loaded) if warm else model, make_tx, task,
                      num_steps=cfg.steps, batch_size=cfg.batch_size, seed=config.seed,
                      input_stats=loaded.input_stats if warm else None,
                      num_devices=config.num_devices, eval_every_steps=cfg.eval_every_steps,
                      writer=writer, prefix=f'{mode}/')
    errors[mode] = {s: m['error'] for s, m in result.final.items()}
    trainable[mode] = trainable_count(jax.device_get(result.state.params), mode)
  writer.close()
  table = format_table(errors, trainable, {s: dataset_b.num_examples(s) for s in ('dev',)})
  with open(os.path.join(workdir, 'transfer.md'), 'w') as f:
    f.write(f'pretrained parameters: {loaded.path} (step {loaded.step})\n\n{table}\n')
  return TransferResult(errors, trainable, loaded.path, pretrain_table, table)
