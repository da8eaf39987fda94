"""Training throughput of a model: compile time, examples/s, input-wait share.

Two loops run in the same process on the same compiled step:
  * compute-only: one batch already on the devices, fed again and again;
  * pipelined: fresh host batches (numpy take + device transfer) every step.
Their ratio is the cost of the input pipeline, measured in the same run, so
it holds on a noisy machine. Input-wait share = host time spent producing and
transferring batches / wall time of the pipelined loop (dispatch is
asynchronous, so host work overlaps device work only up to that share).
"""

from __future__ import annotations

import dataclasses
import functools
import time

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from jaxdl.data import batching
from jaxdl.optim.factory import make_optimizer
from jaxdl.parallel import mesh as mesh_lib
from jaxdl.parallel.dispatch import DispatchLimiter
from jaxdl.train.state import create_train_state
from jaxdl.train.steps import jit_train_step
from jaxdl.train.config_check import require_flag
from jaxdl.train.task import classification_task


@dataclasses.dataclass
class Throughput:
  model: str
  batch_size: int
  compile_s: float  # lowering + XLA compilation of the train step
  compute_examples_per_s: float  # on-device batch reused
  pipelined_examples_per_s: float  # fresh host batch every step
  input_wait_share: float  # host batch time / pipelined wall time


def check_flags(models, dataset: str, batch_size: int, steps: int, num_devices: int) -> None:
  """launch/benchmark.py's flags; ConfigError naming the flag, before any data or compile."""
  from jaxdl.data.registry import EMBEDDED
  from jaxdl.models.registry import MODELS

  unknown = [m for m in models if m not in MODELS]
  require_flag(
      bool(models) and not unknown,
      'models',
      ','.join(models),
      f'must be a comma-separated list of models from {", ".join(sorted(MODELS))}',
  )
  require_flag(
      dataset in EMBEDDED,
      'dataset',
      dataset,
      f'must be an embedded dataset: {", ".join(sorted(EMBEDDED))}',
  )
  require_flag(batch_size >= 1, 'batch_size', batch_size, 'must be >= 1')
  require_flag(steps >= 1, 'steps', steps, 'must be >= 1')
  available = jax.device_count()
  require_flag(
      0 <= num_devices <= available,
      'num_devices',
      num_devices,
      f'must be in [0, {available}] (0: all)',
  )
  devices = num_devices or available
  require_flag(
      batch_size % devices == 0,
      'batch_size',
      batch_size,
      f'must be divisible by the number of devices ({devices})',
  )


def check_batch_fits(batch_size: int, num_train: int) -> None:
  require_flag(
      batch_size <= num_train,
      'batch_size',
      batch_size,
      f'must be <= the {num_train} training examples of the dataset',
  )


def measure(
    name: str,
    model,
    inputs: np.ndarray,
    labels: np.ndarray,
    num_classes: int,
    batch_size: int,
    steps: int = 50,
    warmup: int = 5,
    learning_rate: float = 1e-3,
    num_devices: int = 0,
) -> Throughput:
  """Times ``steps`` Adam steps of ``model`` on (inputs, labels) after warm-up."""
  mesh = mesh_lib.make_mesh(num_devices)
  mesh_lib.check_batch_size(batch_size, mesh)
  opt = ml_collections.ConfigDict({'name': 'adam', 'learning_rate': learning_rate})
  tx = make_optimizer(opt, steps_per_epoch=1, total_steps=steps)
  stats = {
      'mean': np.zeros(inputs.shape[-1], np.float32),
      'std': np.ones(inputs.shape[-1], np.float32),
  }
  init = jax.jit(
      functools.partial(create_train_state, model, tx), out_shardings=mesh_lib.replicated(mesh)
  )
  state = init(jnp.zeros((1,) + inputs.shape[1:], inputs.dtype), jax.random.key(0), stats)
  step = jit_train_step(mesh, task=classification_task(num_classes))
  split = {'image': inputs, 'label': labels}
  stream = batching.train_batches(split, batch_size, seed=0)
  batch = mesh_lib.shard_batch(next(stream), mesh)

  t0 = time.perf_counter()
  compiled = step.lower(state, batch).compile()
  compile_s = time.perf_counter() - t0

  limiter = DispatchLimiter()
  for _ in range(warmup):
    state, metrics = compiled(state, batch)
    limiter(metrics['objective'][0])
  jax.block_until_ready(state)
  t0 = time.perf_counter()
  for _ in range(steps):
    state, metrics = compiled(state, batch)
    limiter(metrics['objective'][0])
  jax.block_until_ready((state, metrics))
  compute_s = time.perf_counter() - t0

  host_s = 0.0
  t0 = time.perf_counter()
  for _ in range(steps):
    h0 = time.perf_counter()
    fresh = mesh_lib.shard_batch(next(stream), mesh)
    host_s += time.perf_counter() - h0
    state, metrics = compiled(state, fresh)
    limiter(metrics['objective'][0])
  jax.block_until_ready((state, metrics))
  pipelined_s = time.perf_counter() - t0
  n = steps * batch_size
  return Throughput(
      name, batch_size, compile_s, n / compute_s, n / pipelined_s, host_s / pipelined_s
  )


def format_table(rows: list[Throughput]) -> str:
  """Markdown table; 'vs first' compares each model's throughput to row 1."""
  base = rows[0].pipelined_examples_per_s
  lines = [
      '| model | batch | compile s | compute ex/s | pipelined ex/s | pipelined/compute '
      '| input wait | vs first |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for r in rows:
    lines.append(
        f'| {r.model} | {r.batch_size} | {r.compile_s:.2f} | '
        f'{r.compute_examples_per_s:,.0f} | {r.pipelined_examples_per_s:,.0f} | '
        f'{r.pipelined_examples_per_s / r.compute_examples_per_s:.2f} | '
        f'{100 * r.input_wait_share:.1f}% | '
        f'{r.pipelined_examples_per_s / base:.2f}x |'
    )
  return '\n'.join(lines)
