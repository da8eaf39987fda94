"""What the input pipeline delivers, what it costs a step, and its memory.

Three measurements, each against a baseline taken in the same run:
  * host throughput: images/s out of ``TrainStream`` (read, transform,
    batch; no device), per worker-process count, against 0 workers;
  * input wait: a jitted train step fed by the streamed pipeline (prefetched
    onto the devices) against the same step fed one batch already on the
    devices; wait share = 1 - compute time / streamed time;
  * peak host RSS of a whole ``launch/train.py`` run on a prepared dataset
    against the dataset's decoded float32 size.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import subprocess
import sys
import time

import numpy as np

from jaxdl.train.config_check import require_flag


def check_flags(workers, batch_size: int, steps: int, num_train: int, image_size: int) -> None:
  require_flag(
      bool(workers) and all(w >= 0 for w in workers),
      'workers',
      ','.join(map(str, workers)),
      'must be a comma-separated list of integers >= 0',
  )
  require_flag(batch_size >= 1, 'batch_size', batch_size, 'must be >= 1')
  require_flag(steps >= 2, 'steps', steps, 'must be >= 2')
  require_flag(
      num_train >= batch_size, 'num_train', num_train, f'must be >= batch_size ({batch_size})'
  )
  require_flag(image_size >= 8, 'image_size', image_size, 'must be >= 8')


@dataclasses.dataclass
class HostRate:
  dataset: str
  workers: int
  images_per_s: float

  def per_worker(self) -> float:
    return self.images_per_s / max(self.workers, 1)


def host_rate(
    split, batch_size: int, steps: int, workers: int, transform=None, name: str = ''
) -> HostRate:
  """Images/s out of the pipeline after its first batch (start-up excluded)."""
  from jaxdl.data.pipeline import TrainStream

  stream = TrainStream(
      split, batch_size, seed=0, put=lambda b: b, num_workers=workers, transform=transform
  )
  try:
    next(stream)
    t0 = time.perf_counter()
    for _ in range(steps):
      next(stream)
    seconds = time.perf_counter() - t0
  finally:
    stream.close()
  return HostRate(name, workers, steps * batch_size / seconds)


@dataclasses.dataclass
class InputWait:
  model: str
  workers: int
  compute_images_per_s: float
  streamed_images_per_s: float

  @property
  def wait_share(self) -> float:
    return max(0.0, 1.0 - self.streamed_images_per_s / self.compute_images_per_s)


def input_wait(
    split, model_name: str, num_classes: int, batch_size: int, steps: int, workers: int
) -> InputWait:
  """Train steps fed by the streamed pipeline vs fed one on-device batch."""
  import jax
  import jax.numpy as jnp
  import ml_collections
  from jaxdl.data.normalize import identity_stats
  from jaxdl.data.pipeline import TrainStream
  from jaxdl.models.registry import build_model
  from jaxdl.optim.factory import make_optimizer
  from jaxdl.parallel import mesh as mesh_lib
  from jaxdl.train.state import create_train_state
  from jaxdl.train.steps import jit_train_step
  from jaxdl.train.task import classification_task

  mesh = mesh_lib.make_mesh()
  put = functools.partial(mesh_lib.shard_batch, mesh=mesh)
  model = build_model(model_name, num_classes)
  tx = make_optimizer(ml_collections.ConfigDict({'name': 'adam', 'learning_rate': 1e-3}), 1, steps)
  stream = TrainStream(split, batch_size, 0, put, num_workers=workers)
  try:
    batch = next(stream)
    shape = batch['image'].shape[1:]
    init = jax.jit(
        functools.partial(create_train_state, model, tx), out_shardings=mesh_lib.replicated(mesh)
    )
    state = init(jnp.zeros((1,) + shape, jnp.float32), jax.random.key(0), identity_stats(shape[-1]))
    step = jit_train_step(mesh, task=classification_task(num_classes))
    for _ in range(2):  # compile and warm up
      state, metrics = step(state, batch)
    jax.block_until_ready(metrics)
    t0 = time.perf_counter()
    for _ in range(steps):
      state, metrics = step(state, batch)
    jax.block_until_ready(metrics)
    compute_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(steps):
      state, metrics = step(state, next(stream))
    jax.block_until_ready(metrics)
    streamed_s = time.perf_counter() - t0
  finally:
    stream.close()
  n = steps * batch_size
  return InputWait(model_name, workers, n / compute_s, n / streamed_s)


_MEASURE_CHILD = (
    'import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); '
    'print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024); '
    'sys.exit(rc)'
)


def peak_rss_of_run(flags: list[str], workdir: str) -> int:
  """Peak RSS in bytes of ``launch/train.py`` (and its workers) with ``flags``."""
  root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  cmd = [
      sys.executable,
      '-c',
      _MEASURE_CHILD,
      sys.executable,
      os.path.join(root, 'launch', 'train.py'),
      f'--workdir={workdir}',
      *flags,
  ]
  r = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
  if r.returncode:
    raise RuntimeError(f'the measured run failed: {r.stderr.strip().splitlines()[-1:]}')
  return int(r.stdout.strip().splitlines()[-1])


def decoded_float32_bytes(source, sample: int = 200) -> float:
  """Size of the whole split decoded to float32 (mean of a sample of rows)."""
  n = len(source)
  rows = np.linspace(0, n - 1, min(sample, n)).astype(int)
  sizes = [e['image'].size for e in source.read(rows)]
  return float(np.mean(sizes)) * 4 * n


def format_tables(
    rates: list[HostRate], waits: list[InputWait], memory: list[tuple[str, float, float]]
) -> str:
  lines = [
      '| dataset | workers | images/s | per worker | vs 0 workers |',
      '|---|---:|---:|---:|---:|',
  ]
  base = {r.dataset: r.images_per_s for r in rates if r.workers == 0}
  for r in rates:
    ratio = r.images_per_s / base[r.dataset] if r.dataset in base else float('nan')
    lines.append(
        f'| {r.dataset} | {r.workers} | {r.images_per_s:,.0f} | '
        f'{r.per_worker():,.0f} | {ratio:.2f}x |'
    )
  lines += [
      '',
      '| model | workers | compute images/s | streamed images/s | input wait |',
      '|---|---:|---:|---:|---:|',
  ]
  for w in waits:
    lines.append(
        f'| {w.model} | {w.workers} | {w.compute_images_per_s:,.1f} | '
        f'{w.streamed_images_per_s:,.1f} | {100 * w.wait_share:.1f}% |'
    )
  lines += ['', '| run | decoded float32 | peak RSS | dataset / RSS |', '|---|---:|---:|---:|']
  for name, decoded, peak in memory:
    lines.append(
        f'| {name} | {decoded / 1e9:.2f} GB | {peak / 1e9:.2f} GB | ' f'{decoded / peak:.1f}x |'
    )
  return '\n'.join(lines)
