"""train_and_evaluate: the whole run, resumable at any step.

Order of work per step: the input pipeline (jaxdl.data.pipeline: grain,
optionally worker processes, batches prefetched onto the mesh by a thread)
-> jitted train step (state donated). The host fetches metrics only every
``log_every_steps``; the NaN check covers every step of that window, and no
checkpoint is written before the window it closes has been checked.

Lifecycle: the config is validated and the workdir checked, locked and
matched against the config it was started with before any data is loaded;
a checkpoint is written at every evaluation and every
``checkpoint_every_steps`` (one orbax manager, jaxdl.train.checkpoint), so
a rerun after a kill at any moment resumes from the newest good step and
ends bit-equal to an uninterrupted run: the batch at each step is a pure
function of (seed, step), and the input pipeline's iterator state and the
eval history travel in the checkpoint.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import time
from typing import Any, Callable, Iterable

import jax
import jax.numpy as jnp
import numpy as np
from absl import logging
from flax.training.early_stopping import EarlyStopping

from jaxdl.data import batching, pipeline
from jaxdl.data.dataset import Dataset, split_size, take
from jaxdl.data.normalize import fit_source_stats, identity_stats
from jaxdl.data.registry import load_dataset
from jaxdl.errors import ConfigError, NonFiniteLossError, WorkdirError
from jaxdl.logs import quiet_library_logs
from jaxdl.models.registry import build_model
from jaxdl.optim.factory import make_optimizer, make_schedule
from jaxdl.parallel import mesh as mesh_lib
from jaxdl.parallel import sharding as sharding_lib
from jaxdl.train import flops as flops_lib
from jaxdl.train import observe
from jaxdl.train import precision
from jaxdl.train import steps as steps_lib
from jaxdl.train import workdir as workdir_lib
from jaxdl.train.checkpoint import Checkpointer, abstract_like, has_checkpoints
from jaxdl.train.config_check import check_train_config
from jaxdl.train.report import format_error_table
from jaxdl.train.state import TrainState, create_train_state
from jaxdl.train.task import Task, classification_task
from jaxdl.viz.curves import plot_curves
from jaxdl.viz.summaries import SummaryWriter, log_workdir_images


@dataclasses.dataclass
class RunResult:
  """What a finished run returns to a caller (a notebook, a test, a sweep)."""

  state: TrainState
  final: dict[str, dict[str, float]]  # split -> metric -> value
  history: dict[str, list]  # 'step', 'train/loss', 'dev/error', ...
  table: str  # the printed Markdown table
  stopped_early: bool
  start_step: int  # step this invocation started from (> 0 after a resume)


def load_configured_dataset(config) -> Dataset:
  data = config.data
  return load_dataset(
      config.dataset,
      seed=config.seed,
      fractions=tuple(data.fractions),
      train_dev_fraction=data.train_dev_fraction,
      data_dir=data.get('data_dir') or None,
      allow_download=data.get('allow_download', True),
  )


def evaluate(
    state: TrainState,
    split,
    eval_fn,
    mesh,
    batch_size: int,
    *,
    transform: pipeline.Transform | None = None,
    num_workers: int = 0,
    prefetch: int = 2,
) -> dict[str, float]:
  """Exact metrics over a whole split (arrays or a source; padding masked out).

  The split streams through the input pipeline: each process reads only its
  rows of each padded batch, every example counts once.
  """
  total = None
  stream = pipeline.eval_stream(
      split,
      batch_size,
      functools.partial(mesh_lib.shard_batch, mesh=mesh),
      process_index=jax.process_index(),
      process_count=jax.process_count(),
      transform=transform,
      num_workers=num_workers,
      prefetch=prefetch,
  )
  try:
    for batch in stream:
      total = steps_lib.sum_metrics(total, eval_fn(state, batch))
  finally:
    stream.close()
  return steps_lib.finalize_metrics(total)


def bounded_subset(split, max_examples: int, seed: int):
  """``split`` itself, or a seeded random ``max_examples`` of it (in row order)."""
  n = split_size(split)
  if max_examples <= 0 or n <= max_examples:
    return split
  rows = np.sort(np.random.default_rng([seed, 11]).choice(n, max_examples, replace=False))
  return take(split, rows)


def _meta(history, early_stop: EarlyStopping, finished: bool) -> dict[str, Any]:
  return {
      'history': history,
      'finished': finished,
      'early_stopping': {
          f.name: getattr(early_stop, f.name) for f in dataclasses.fields(early_stop)
      },
  }


EvalHook = Callable[[int, TrainState, dict[str, float]], None]


def train_and_evaluate(
    config,
    workdir: str,
    *,
    dataset: Dataset | None = None,
    model=None,
    task: Task | None = None,
    augment_fn: steps_lib.AugmentFn | None = None,
    on_eval: EvalHook | None = None,
    run_fields: Iterable[str] = (),
    allow_config_change: bool | None = None,
) -> RunResult:
  """Trains ``config.model`` on ``config.dataset``; resumes from ``workdir``.

  Args:
    config: an ml_collections.ConfigDict as in launch/configs/train.py.
    workdir: checkpoints, the recorded config, TensorBoard events, PNG
      curves and the final table go here; re-running with the same workdir
      resumes from the newest good checkpoint.
    dataset, model, task, augment_fn: override what the config names
      (for experiments that build their own; see launch/configs/*).
    on_eval: called as ``on_eval(step, state, values)`` after every
      evaluation (e.g. to print samples); ``values`` are the eval metrics.
    run_fields: extra config fields (dotted) that a rerun may change
      without starting another experiment (see jaxdl.train.workdir).
    allow_config_change: continue a workdir whose recorded config differs
      in experiment fields (None: the JAXDL_ALLOW_CONFIG_CHANGE variable).

  Returns:
    RunResult with the final (restored-best if early stopping) state.

  Raises:
    ConfigError, DatasetUnavailableError, WorkdirError, ConfigChangedError:
      before any compute.
    NonFiniteLossError: the loss became NaN/inf; the newest checkpoint is the
      last good one.
    CheckpointWriteError: a checkpoint could not be written; the older ones
      are intact.
  """
  quiet_library_logs()
  mesh_lib.maybe_initialize_distributed(config.get('distributed', False))
  mesh = mesh_lib.make_mesh(config.num_devices, config.get('mesh'))
  num_devices = mesh.devices.size
  check_train_config(config, num_devices, model_given=model is not None)
  workdir = workdir_lib.prepare(workdir)
  lock = workdir_lib.WorkdirLock(workdir)
  lock.acquire()
  try:
    workdir_lib.check_config_identity(
        workdir,
        config,
        resuming=has_checkpoints(workdir),
        run_fields=workdir_lib.RUN_FIELDS | set(run_fields),
        allow_change=allow_config_change,
    )
    return _train(
        config,
        workdir,
        mesh,
        dataset=dataset,
        model=model,
        task=task,
        augment_fn=augment_fn,
        on_eval=on_eval,
    )
  finally:
    lock.release()


def _train(config, workdir: str, mesh, *, dataset, model, task, augment_fn, on_eval) -> RunResult:
  logging.info(
      'process %d/%d, %d devices in mesh (%s)',
      jax.process_index(),
      jax.process_count(),
      mesh.devices.size,
      jax.devices()[0].platform,
  )
  dataset = dataset or load_configured_dataset(config)
  info = dataset.info
  train_split = dataset.splits['train']
  n_train = split_size(train_split)
  spe = batching.steps_per_epoch(n_train, config.batch_size)
  total_steps = config.get('num_train_steps', 0) or config.num_epochs * spe
  eval_bs = config.get('eval_batch_size', 0) or config.batch_size

  dtype_name = config.get('dtype', 'float32')
  model = model or build_model(
      config.model, info.num_classes, dtype=precision.model_dtype(config), **config.model_kwargs
  )
  task = task or classification_task(info.num_classes, info.label_key, info.input_key)
  tx = make_optimizer(config.optimizer, spe, total_steps)
  data_cfg = config.get('data', {})
  train_tf, eval_tf = _transforms(data_cfg)
  workers, prefetch = data_cfg.get('num_workers', 0), data_cfg.get('prefetch', 2)
  example = pipeline.EvalBatchReader(pipeline.as_source(train_split), 1, transform=eval_tf)(0)[
      task.input_key
  ]
  stats = (
      fit_source_stats(
          train_split,
          task.input_key,
          max_examples=data_cfg.get('stats_examples', 10_000),
          seed=config.seed,
          transform=eval_tf,
      )
      if config.normalize_inputs and task.normalize_input
      else identity_stats(example.shape[-1])
  )

  init_fn = functools.partial(create_train_state, model, tx)

  def init(*args):
    # Created in its layout (large leaves split over 'fsdp'), never whole on one device.
    shardings = sharding_lib.state_shardings(jax.eval_shape(init_fn, *args), mesh)
    return jax.jit(init_fn, out_shardings=shardings)(*args)

  # uint8 images reach the model as float32 in [0, 1] (converted in the step).
  dtype = jnp.float32 if example.dtype == np.uint8 else example.dtype
  loss_scale = (
      precision.DynamicLossScale.create() if precision.needs_loss_scale(dtype_name) else None
  )
  state = init(jnp.zeros(example.shape, dtype), jax.random.key(config.seed), stats, loss_scale)
  put = functools.partial(mesh_lib.shard_batch, mesh=mesh)

  def eval_split(state, split):
    return evaluate(
        state,
        split,
        eval_fn,
        mesh,
        eval_bs,
        transform=eval_tf,
        num_workers=workers,
        prefetch=prefetch,
    )

  # Train is re-evaluated on at most eval_train_examples of it: the curve
  # needs a sample, not another pass over a large training set.
  splits = dict(dataset.splits)
  splits['train'] = bounded_subset(
      train_split, config.get('eval_train_examples', 10_000), config.seed
  )

  state_sharding = sharding_lib.state_shardings(state, mesh)
  train_fn = steps_lib.jit_train_step(
      mesh, task=task, augment_fn=augment_fn, state_sharding=state_sharding
  )
  eval_fn = steps_lib.jit_eval_step(mesh, task=task, state_sharding=state_sharding)
  # Train is re-evaluated in eval mode (no dropout, running BN stats) so the
  # train-vs-dev curves compare like with like; off for large datasets.
  eval_splits = [
      s
      for s in ('train', 'train_dev', 'dev')
      if s in splits and (s != 'train' or config.get('eval_train', True))
  ]
  es_cfg = config.early_stopping
  _check_eval_metric(es_cfg.metric, eval_splits, splits, eval_fn, state, mesh, eval_bs, eval_tf)

  early_stop = EarlyStopping(min_delta=es_cfg.min_delta, patience=es_cfg.patience)
  sign = 1.0 if es_cfg.mode == 'min' else -1.0  # flax's EarlyStopping minimises
  history: dict[str, Any] = {}
  ckpt = Checkpointer(
      workdir, keep_best=config.keep_best, best_metric=es_cfg.metric, best_mode=es_cfg.mode
  )
  restored = ckpt.restore_latest(abstract_like(state))
  data_state = None
  if restored is not None:
    state, meta = restored
    history = meta['history']
    data_state = meta.get('data')
    early_stop = EarlyStopping(**meta['early_stopping'])
    logging.info('resumed from %s at step %d of %d', workdir, int(state.step), total_steps)
  last_ckpt_step = int(state.step) if restored is not None else None

  step = start_step = int(state.step)
  # Events written after the checkpoint a run resumes from are discarded by
  # TensorBoard (purge_step), so a killed-and-resumed curve has no doubles.
  writer = SummaryWriter(workdir, purge_step=start_step + 1 if restored is not None else None)
  writer.start_hparams(config)
  eval_seconds: list[float] = []  # wall time of each evaluation, for the ETA

  def record(step: int, values: dict[str, float]) -> None:
    history.setdefault('step', []).append(step)
    for k, v in values.items():
      history.setdefault(k, []).append(v)
    writer.scalars(step, values)

  batches = pipeline.TrainStream(
      train_split,
      config.batch_size,
      config.seed,
      put,
      start_step=step,
      process_index=jax.process_index(),
      process_count=jax.process_count(),
      transform=train_tf,
      num_workers=workers,
      prefetch=prefetch,
      resume=data_state,
  )
  window, objectives = None, []
  stopped_early = bool(early_stop.should_stop)
  schedule = make_schedule(config.optimizer, spe, total_steps)
  device = mesh.devices.flat[0]
  peak = flops_lib.table_peak(device.device_kind, dtype_name)
  perf = observe.StepWindow(
      config.batch_size, peak_flops=peak * mesh.devices.size if peak else None
  )
  profiler = observe.Profiler(
      workdir, start_step + config.get('profile_start_step', 5), config.get('profile_steps', 0)
  )

  def check_window() -> dict[str, float] | None:
    """Fetches the window's per-step losses; raises on the first non-finite."""
    nonlocal window, objectives
    if not objectives:
      return None
    # device_get of the list: one transfer, no per-length compile of a stack op.
    values = np.asarray(jax.device_get(objectives))
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
      first = step - len(values) + int(bad[0]) + 1
      ckpt.wait()
      raise NonFiniteLossError(first, float(values[bad[0]]), last_ckpt_step)
    metrics = steps_lib.finalize_metrics(window)
    window, objectives = None, []
    return metrics

  try:
    while step < total_steps and not stopped_early:
      t_wait = time.perf_counter()
      batch = next(batches)
      perf.waited(time.perf_counter() - t_wait)
      if step == start_step:
        # The first step traces and compiles; it is timed alone and left out
        # of the throughput, and the step's FLOPs are counted from its program.
        perf.flops_per_step = flops_lib.model_flops(train_fn, state, batch)
        t_first = time.perf_counter()
      profiler.before_step(step)
      state, metrics = train_fn(state, batch)
      objectives.append(metrics.pop('objective')[0])
      window = steps_lib.sum_metrics(window, metrics)
      step += 1
      perf.stepped()
      profiler.after_step(step, metrics)
      if step == start_step + 1:
        jax.block_until_ready(metrics)
        logging.info(
            'first train step (tracing, compilation, one step): %.1f s; %s per step',
            time.perf_counter() - t_first,
            _format_flops(perf.flops_per_step),
        )
        perf.reset()
      is_last = step == total_steps
      do_eval = step % config.eval_every_steps == 0 or is_last
      do_ckpt = step % config.checkpoint_every_steps == 0 or is_last
      if step % config.log_every_steps == 0 or do_eval or do_ckpt:
        train_metrics = check_window()
        if train_metrics is not None and step % config.log_every_steps == 0:
          speed = perf.summary() if perf.steps else {}
          lr = float(schedule(step))
          rate = speed.get('examples_per_s', math.nan)
          # The first evaluation also compiles: later ones give the per-eval cost.
          eta = eta_seconds(
              step,
              total_steps,
              speed.get('steps_per_s', math.nan),
              config.eval_every_steps,
              float(np.mean(eval_seconds[1:] or eval_seconds or [0.0])),
          )
          logging.info(
              'step %d/%d (epoch %.1f)  loss %.4f  error %.2f%%  lr %.3g  '
              '%.0f examples/s  input wait %.0f%%%s  ETA %.0fs',
              step,
              total_steps,
              step / spe,
              train_metrics['loss'],
              100 * train_metrics.get('error', math.nan),
              lr,
              rate,
              100 * speed.get('input_wait', math.nan),
              f"  MFU {100 * speed['mfu']:.1f}%" if 'mfu' in speed else '',
              eta,
          )
          writer.scalars(
              step, {'train/learning_rate': lr, **{f'perf/{k}': v for k, v in speed.items()}}
          )
          # Running means over the window's training batches (train mode);
          # 'train/...' are eval-mode metrics of the whole train split.
          running = history.setdefault('train_batch', {})
          running.setdefault('step', []).append(step)
          for k, v in train_metrics.items():
            running.setdefault(k, []).append(v)
          writer.scalars(step, {f'train_batch/{k}': v for k, v in train_metrics.items()})
          ckpt.check_for_errors()  # a failed background save surfaces here, not later
          perf.reset()
      values = None
      if do_eval:
        t_eval = time.perf_counter()
        values = {}
        for name in eval_splits:
          for k, v in eval_split(state, splits[name]).items():
            values[f'{name}/{k}'] = v
        record(step, values)
        if on_eval is not None:
          on_eval(step, state, values)
        eval_seconds.append(time.perf_counter() - t_eval)
        logging.info('eval at step %d: %s  (%.1f s)', step, format_eval(values), eval_seconds[-1])
        if es_cfg.patience > 0:
          early_stop = early_stop.update(sign * values[es_cfg.metric])
          stopped_early = bool(early_stop.should_stop)
          if stopped_early:
            logging.info(
                'early stopping at step %d: %s has not improved for %d evaluations',
                step,
                es_cfg.metric,
                es_cfg.patience,
            )
      if do_eval or do_ckpt or stopped_early:
        # One save per step, after the early-stopping update, so a resumed run
        # continues from exactly the state an uninterrupted one holds here.
        meta = _meta(history, early_stop, is_last or stopped_early)
        ckpt.save(step, state, dict(meta, data=batches.checkpoint_state()), values)
        last_ckpt_step = step
        writer.flush()  # the curves survive a kill as far as the checkpoint does
        perf.reset()  # throughput counts training steps only

    ckpt.wait()
    if es_cfg.patience > 0 or config.get('restore_best', False):
      best = ckpt.restore_best(abstract_like(state))
      if best is not None:
        state = best[0]
        logging.info('restored the best checkpoint (step %d) by %s', int(state.step), es_cfg.metric)

    batches.close()
    final, counts = {}, {}
    for name, split in splits.items():
      final[name] = eval_split(state, split)
      counts[name] = split_size(split)
    final_scalars = {f'final/{s}/{k}': v for s, m in final.items() for k, v in m.items()}
    writer.scalars(int(state.step), final_scalars)
    writer.end_hparams(config, final_scalars)
    table = format_error_table(final, counts, human_error=config.get('human_error'))
    if jax.process_index() == 0:
      _write_outputs(workdir, history, table)
      log_workdir_images(workdir, step)
  finally:
    profiler.close()
    batches.close()
    writer.close()
    ckpt.close()
  return RunResult(
      state=state,
      final=final,
      history=history,
      table=table,
      stopped_early=stopped_early,
      start_step=start_step,
  )


def eta_seconds(
    step: int, total_steps: int, steps_per_s: float, eval_every_steps: int, seconds_per_eval: float
) -> float:
  """Seconds to the end of a run at ``step``: training plus the evaluations left.

  The evaluations left are those at every ``eval_every_steps``, the one at the
  last step and the final pass over every split (counted as one more), each
  at ``seconds_per_eval`` (0 before the first evaluation has been timed).
  Early stopping may end the run sooner.
  """
  evals = total_steps // eval_every_steps - step // eval_every_steps
  if total_steps % eval_every_steps and step < total_steps:
    evals += 1
  train = (total_steps - step) / steps_per_s if steps_per_s > 0 else math.nan
  return train + (evals + 1) * seconds_per_eval


def format_eval(values: dict[str, float]) -> str:
  """'dev error 2.50%  dev loss 0.0812  train error 0.40%  ...' (errors in %).

  ``values``: 'split/metric' -> value, errors as fractions; dev first, then
  train-dev, then train (eval mode), error before loss before the rest;
  accuracy is left out where the error (its complement) is shown.
  """
  rank = {'dev': 0, 'train_dev': 1, 'train': 2}

  def key(item):
    split, _, metric = item[0].rpartition('/')
    return (
        rank.get(split, 3),
        split,
        0 if metric.endswith('error') else 1 if metric == 'loss' else 2,
    )

  parts = []
  for name, v in sorted(values.items(), key=key):
    split, _, metric = name.rpartition('/')
    if metric == 'accuracy' and f'{split}/error' in values:
      continue
    shown = f'{100 * v:.2f}%' if metric.endswith('error') else f'{v:.4g}'
    parts.append(f'{split.replace("_", "-")} {metric} {shown}'.lstrip())
  return '  '.join(parts)


def _format_flops(flops: float | None) -> str:
  return 'FLOPs not reported' if not flops else f'{flops / 1e9:,.3g} GFLOP'


def _transforms(data_cfg):
  """(train, eval) host transforms of config.data.preprocess ('' = none)."""
  name = data_cfg.get('preprocess', '')
  if not name:
    return None, None
  from jaxdl.data.image_ops import make_transforms

  return make_transforms(name, data_cfg.get('image_size', 224))


def _check_eval_metric(
    metric: str, eval_splits, splits, eval_fn, state, mesh, batch_size: int, transform=None
) -> None:
  """The early-stopping/best metric must be one that evaluation records.

  The names come from the shapes of one eval step (jax.eval_shape: no
  compute), so a typo fails before training, not at the first evaluation.
  """
  name = eval_splits[0] if eval_splits else next(iter(splits))
  batch = pipeline.EvalBatchReader(
      pipeline.as_source(splits[name]),
      batch_size,
      jax.process_index(),
      jax.process_count(),
      transform,
  )(0)
  shapes = jax.eval_shape(eval_fn, state, mesh_lib.shard_batch(batch, mesh))
  names = sorted(f'{s}/{k}' for s in eval_splits for k in shapes)
  if metric not in names:
    near = workdir_lib.nearest_names(metric, names)
    raise ConfigError(
        f'config.early_stopping.metric={metric!r}: not recorded by the '
        f'evaluation; nearest: {", ".join(near) or "-"} (all: {", ".join(names)})'
    )


# Legend and marks of the curves: one line for the training batches, points
# for the evaluations (train in eval mode shares the training colour).
_RUNNING_LABEL = 'train (running mean of training batches)'
_EVAL_STYLES = {
    'train': ('train (eval mode)', 's', 'tab:blue'),
    'train_dev': ('train-dev', '^', 'tab:green'),
    'dev': ('dev', 'o', 'tab:orange'),
}


def _write_outputs(workdir: str, history: dict[str, Any], table: str) -> None:
  """Learning curves PNG (errors in %) and the final table as Markdown (written atomically)."""
  path = os.path.join(workdir, 'results.md')
  try:
    with open(path + '.tmp', 'w') as f:
      f.write(table + '\n')
    os.replace(path + '.tmp', path)
  except OSError as e:
    raise WorkdirError(f'cannot write {path}: {os.strerror(e.errno) if e.errno else e}') from None
  running = history.get('train_batch', {})
  for metric in ('error', 'loss'):
    scale = 100.0 if metric == 'error' else 1.0
    series, styles = {}, {}
    if metric in running:
      series[_RUNNING_LABEL] = (running['step'], [scale * v for v in running[metric]])
      styles[_RUNNING_LABEL] = {'color': 'tab:blue', 'linewidth': 1.2, 'alpha': 0.7}
    for k, v in history.items():
      if history.get('step') and k.endswith('/' + metric):
        split = k[: -len(metric) - 1]
        label, marker, colour = _EVAL_STYLES.get(split, (split, 'D', None))
        series[label] = (history['step'], [scale * x for x in v])
        styles[label] = {
            'marker': marker,
            'color': colour,
            'linestyle': ':',
            'linewidth': 1,
            'markersize': 5,
        }
    if series:
      plot_curves(
          series,
          os.path.join(workdir, f'curves_{metric}.png'),
          styles=styles,
          ylabel='error (%)' if metric == 'error' else metric,
          title=f'{metric} during training',
      )
