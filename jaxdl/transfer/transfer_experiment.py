"""Transfer learning on the digits (notes 3.14).

Two task pairs (config.transfer.task): 'photos' - A = clean digits, B = a
few "user photo" digits per class; 'classes' - A = digits 0-4, B = a few
digits 5-9 per class.

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

from jaxdl import experiment_checks as checks
from jaxdl.analysis import confidence
from jaxdl.data.batching import steps_per_epoch
from jaxdl.models.registry import build_model
from jaxdl.train import precision
from jaxdl.optim.factory import make_optimizer
from jaxdl.train.loop import train_and_evaluate
from jaxdl.train.task import classification_task
from jaxdl.mismatch.data_mismatch_experiment import check_photos, photos_from
from jaxdl.train.config_check import require, require_choice, require_int, require_range
from jaxdl.transfer.digit_tasks import digit_tasks, photo_tasks
from jaxdl.transfer.finetune import finetune
from jaxdl.transfer.freezing import MODES, param_labels, transfer_optimizer
from jaxdl.transfer.pretrained import WHICH, WarmStart, load_pretrained
from jaxdl.viz.summaries import SummaryWriter


@dataclasses.dataclass
class TransferResult:
  """errors: {mode: {split: error}} on task B; trainable: {mode: parameter count}."""

  errors: dict[str, dict[str, float]]
  trainable: dict[str, int]
  pretrained_from: str
  tasks: tuple[str, str]  # descriptions of A and B
  pretrain_table: str
  table: str


def trainable_count(params, mode: str, head_modules=('head',)) -> int:
  """Parameters the optimizer may change: the head alone when frozen."""
  labels = param_labels(params, head_modules)
  sizes = jax.tree.map(
      lambda label, p: int(np.prod(p.shape)) if mode != 'frozen' or label == 'head' else 0,
      labels,
      params,
  )
  return int(sum(jax.tree.leaves(sizes)))


def format_table(errors, trainable, counts) -> str:
  lines = [
      '| init / training on B | trainable params | train (B) | dev (B) | dev 95% CI | test (B) |',
      '|---|---:|---:|---:|---|---:|',
  ]
  for mode, e in errors.items():
    low, high = confidence.error_confidence_interval(e['dev'], counts['dev'])
    lines.append(
        f"| {mode} | {trainable[mode]:,} | {100 * e['train']:.2f}% | "
        f"{100 * e['dev']:.2f}% | {100 * low:.1f}-{100 * high:.1f}% | "
        f"{100 * e['test']:.2f}% |"
    )
  return '\n'.join(lines)


# Classes of task B: the ten digits as photos, or digits 5-9 (digit_tasks).
B_CLASSES = {'photos': 10, 'classes': 5}
DIGITS_SHAPE = (8, 8, 1)  # A and B are built from the 8x8 digits


def check_config(config) -> None:
  """Every field of launch/configs/transfer.py; raises ConfigError before any data."""
  cls = checks.model_class(config.model)
  checks.check_model_kwargs(config.model_kwargs, cls)
  checks.check_core_fields(config)
  cfg = config.transfer
  require_choice('transfer.task', cfg.task, B_CLASSES)
  require_int('transfer.shots_per_class', cfg.shots_per_class, 1)
  if cfg.task == 'photos':
    check_photos(cfg, 'transfer')
  heads = tuple(cfg.head_modules)
  require(
      bool(heads) and all(isinstance(h, str) and h for h in heads),
      'transfer.head_modules',
      heads,
      'must name at least one top-level module',
  )
  # Shapes only (no compute): the model's top-level modules, for head_modules.
  import jax
  import jax.numpy as jnp

  model = cls(num_classes=B_CLASSES[cfg.task], **config.model_kwargs)
  key = jax.random.key(0)
  params = jax.eval_shape(
      lambda: model.init(
          {'params': key, 'dropout': key}, jnp.zeros((1, *DIGITS_SHAPE)), train=False
      )
  )
  modules = sorted(params['params'])
  missing = [h for h in heads if h not in modules]
  require(
      not missing,
      'transfer.head_modules',
      heads,
      f'must be top-level modules of {config.model}: {", ".join(modules)}',
  )
  if cfg.pretrained_workdir:
    checks.require_dir(
        'transfer.pretrained_workdir',
        cfg.pretrained_workdir,
        "run workdir ('' = pretrain on A here)",
    )
  require_choice('transfer.checkpoint', cfg.checkpoint, WHICH)
  checks.require_names('transfer.modes', cfg.modes, MODES)
  require_range('transfer.backbone_lr_scale', cfg.backbone_lr_scale, 0, 1, low_open=True)
  require_int('transfer.steps', cfg.steps, 1)
  n_train = cfg.shots_per_class * B_CLASSES[cfg.task]
  require_int('transfer.batch_size', cfg.batch_size, 1)
  require(
      cfg.batch_size <= n_train,
      'transfer.batch_size',
      cfg.batch_size,
      f'must be <= the {n_train} training examples of task B (transfer.shots_per_class '
      f'x {B_CLASSES[cfg.task]} classes)',
  )
  devices = checks.mesh_devices(config)
  require(
      cfg.batch_size % devices == 0,
      'transfer.batch_size',
      cfg.batch_size,
      f'must be divisible by the number of devices ({devices})',
  )
  require_int('transfer.eval_every_steps', cfg.eval_every_steps, 0)
  checks.check_optimizer_fields(cfg.optimizer, 'transfer.optimizer')


def run(config, workdir: str) -> TransferResult:
  """Pretrains on A (unless given a run), then compares scratch/frozen/finetune on B.

  Args:
    config: launch/configs/transfer.py.
    workdir: pretrain_a/ (the core run of task A, unless reused), TensorBoard
      scalars of the B runs, and transfer.md with the table.
  """
  check_config(config)
  cfg = config.transfer
  if cfg.task == 'classes':
    dataset_a, dataset_b = digit_tasks(config.seed, cfg.shots_per_class)
  elif cfg.task == 'photos':
    dataset_a, dataset_b = photo_tasks(config.seed, cfg.shots_per_class, photos=photos_from(cfg))
  else:
    raise ValueError(f"config.transfer.task must be 'classes' or 'photos', got {cfg.task!r}")
  pretrain_table = ''
  source = cfg.pretrained_workdir
  if not source:
    source = os.path.join(workdir, 'pretrain_a')
    pretrain_table = train_and_evaluate(config, source, dataset=dataset_a).table
  loaded = load_pretrained(source, cfg.checkpoint)

  num_classes = dataset_b.info.num_classes
  model = build_model(
      config.model, num_classes, dtype=precision.model_dtype(config), **config.model_kwargs
  )
  task = classification_task(num_classes)
  spe = steps_per_epoch(dataset_b.num_examples('train'), cfg.batch_size)
  writer = SummaryWriter(workdir)
  errors, trainable = {}, {}
  for mode in cfg.modes:

    def make_tx(params, mode=mode):
      base = make_optimizer(cfg.optimizer, spe, cfg.steps)
      return transfer_optimizer(
          base,
          params,
          mode,
          head_modules=tuple(cfg.head_modules),
          backbone_lr_scale=cfg.backbone_lr_scale,
      )

    warm = mode != 'scratch'
    result = finetune(
        dataset_b,
        WarmStart(model, loaded) if warm else model,
        make_tx,
        task,
        num_steps=cfg.steps,
        batch_size=cfg.batch_size,
        seed=config.seed,
        input_stats=loaded.input_stats if warm else None,
        num_devices=config.num_devices,
        eval_every_steps=cfg.eval_every_steps,
        writer=writer,
        prefix=f'{mode}/',
    )
    errors[mode] = {s: m['error'] for s, m in result.final.items()}
    trainable[mode] = trainable_count(
        jax.device_get(result.state.params), mode, tuple(cfg.head_modules)
    )
  writer.close()
  table = format_table(errors, trainable, {s: dataset_b.num_examples(s) for s in ('dev',)})
  with open(os.path.join(workdir, 'transfer.md'), 'w') as f:
    f.write(
        f'A: {dataset_a.info.description}\nB: {dataset_b.info.description}\n'
        f'pretrained parameters: {loaded.path} (step {loaded.step})\n\n{table}\n'
    )
  return TransferResult(
      errors,
      trainable,
      loaded.path,
      (dataset_a.info.description, dataset_b.info.description),
      pretrain_table,
      table,
  )


def report(result: TransferResult, workdir: str) -> str:
  """What launch/transfer.py prints: pretraining, the task-B table, the files."""
  lines = []
  if result.pretrain_table:
    lines += [f'task A ({result.tasks[0]}) pretraining:', result.pretrain_table]
  lines += [
      f'\npretrained parameters loaded from {result.pretrained_from}',
      f'task B ({result.tasks[1]}), same steps and examples for every row:',
      result.table,
      f'\ntransfer.md and TensorBoard events in {workdir}',
  ]
  return '\n'.join(lines)
