"""Training throughput on the accelerator: examples/s, step time, compile time, MFU.

One row per (model, dtype, input source). The step is the core's jitted
train step (jaxdl.train.steps) on a mesh over every device, the batch
``batch_per_device`` x devices:
  * source 'device': one synthetic batch made on the devices and fed again
    and again (what the model alone sustains);
  * source 'pipeline': fresh uint8 host batches out of the streaming input
    pipeline (jaxdl.data.pipeline.TrainStream: read, batch, prefetch onto
    the mesh), the path a real run takes.
MFU = XLA's FLOPs of the compiled step / step time / the device's peak
(jaxdl.train.flops), also given against a matmul measured in the same run.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxdl.train import flops as flops_lib
from jaxdl.train.config_check import require_flag

IMAGE_MODELS = ('resnet50', 'resnet18', 'cifar_resnet18', 'cnn', 'lenet5', 'vgg16')
SEQUENCE_MODELS = ('char_lm',)
SOURCES = ('device', 'pipeline')


@dataclasses.dataclass
class Row:
  model: str
  dtype: str
  source: str
  batch_size: int  # global
  compile_s: float  # of the step, in the first row of a (model, dtype); 0 in the others
  step_s: float  # mean wall time of a timed step
  examples_per_s: float
  flops_per_step: float | None  # per device
  mfu: float | None  # against the datasheet peak (None: unknown device)
  mfu_measured: float | None  # against the matmul measured in this run


def check_flags(
    models, dtypes, sources, batch_per_device: int, steps: int, image_size: int, seq_len: int
) -> None:
  from jaxdl.train.precision import DTYPES

  known = IMAGE_MODELS + SEQUENCE_MODELS
  require_flag(
      bool(models) and all(m in known for m in models),
      'models',
      ','.join(models),
      f'must be a comma-separated list from {", ".join(known)}',
  )
  require_flag(
      bool(dtypes) and all(d in DTYPES for d in dtypes),
      'dtypes',
      ','.join(dtypes),
      f'must be a comma-separated list from {", ".join(DTYPES)}',
  )
  require_flag(
      bool(sources) and all(s in SOURCES for s in sources),
      'sources',
      ','.join(sources),
      f'must be a comma-separated list from {", ".join(SOURCES)}',
  )
  require_flag(batch_per_device >= 1, 'batch_per_device', batch_per_device, 'must be >= 1')
  require_flag(steps >= 2, 'steps', steps, 'must be >= 2')
  require_flag(image_size >= 8, 'image_size', image_size, 'must be >= 8')
  require_flag(seq_len >= 2, 'seq_len', seq_len, 'must be >= 2')


def _host_split(
    model: str, n: int, image_size: int, seq_len: int, vocab: int, seed: int = 0
) -> tuple[dict[str, np.ndarray], Any]:
  """n synthetic host examples for ``model`` and its task."""
  rng = np.random.default_rng(seed)
  if model in SEQUENCE_MODELS:
    from jaxdl.sequence.char_lm import language_model_task

    tokens = rng.integers(0, vocab, (n, seq_len + 1)).astype(np.int32)
    return (
        {
            'inputs': tokens[:, :-1],
            'targets': tokens[:, 1:],
            'target_mask': np.ones((n, seq_len), np.float32),
        },
        language_model_task(),
    )
  from jaxdl.train.task import classification_task

  return (
      {
          'image': rng.integers(0, 256, (n, image_size, image_size, 3), dtype=np.uint8),
          'label': rng.integers(0, 1000, n).astype(np.int32),
      },
      classification_task(1000),
  )


def measure(
    model_name: str,
    dtype: str,
    sources,
    batch_per_device: int,
    steps: int,
    image_size: int = 224,
    seq_len: int = 256,
    vocab: int = 256,
    warmup: int = 2,
    model_kwargs: dict | None = None,
    peaks: dict | None = None,
) -> list[Row]:
  """One row per source: ``steps`` timed train steps after ``warmup`` untimed ones.

  The sources share one compiled step (compiled once, timed in the first row).
  """
  import ml_collections
  from jaxdl.data.normalize import identity_stats
  from jaxdl.data.pipeline import TrainStream
  from jaxdl.models.registry import build_model
  from jaxdl.optim.factory import make_optimizer
  from jaxdl.parallel import mesh as mesh_lib
  from jaxdl.train import precision
  from jaxdl.train.state import create_train_state
  from jaxdl.train.steps import BoundedStep, jit_train_step

  mesh = mesh_lib.make_mesh()
  batch_size = batch_per_device * mesh.devices.size
  put = functools.partial(mesh_lib.shard_batch, mesh=mesh)
  # Four distinct batches on the host: the pipeline reads and sends each anew.
  split, task = _host_split(model_name, 4 * batch_size, image_size, seq_len, vocab)
  num_classes = vocab if model_name in SEQUENCE_MODELS else 1000
  model = build_model(
      model_name, num_classes, dtype=precision.compute_dtype(dtype), **(model_kwargs or {})
  )
  tx = make_optimizer(
      ml_collections.ConfigDict({'name': 'momentum', 'learning_rate': 0.1}), 1, steps + warmup
  )
  first = put({k: v[:batch_size] for k, v in split.items()})
  key = task.input_key
  example = jnp.zeros(
      (1,) + first[key].shape[1:], jnp.int32 if model_name in SEQUENCE_MODELS else jnp.float32
  )
  loss_scale = precision.DynamicLossScale.create() if precision.needs_loss_scale(dtype) else None
  init = jax.jit(
      functools.partial(create_train_state, model, tx), out_shardings=mesh_lib.replicated(mesh)
  )
  channels = 1 if model_name in SEQUENCE_MODELS else 3
  state = init(example, jax.random.key(0), identity_stats(channels), loss_scale)
  t0 = time.perf_counter()
  compiled = jit_train_step(mesh, task=task).lower(state, first).compile()
  compile_s = time.perf_counter() - t0
  flops = flops_lib.compiled_flops(compiled)
  step = BoundedStep(compiled)  # the executable itself: nothing compiles again

  peaks = peaks if peaks is not None else {}
  if dtype not in peaks:
    peaks[dtype] = (
        flops_lib.table_peak(jax.devices()[0].device_kind, dtype),
        flops_lib.measured_matmul_peak(dtype),
    )
  table, measured = peaks[dtype]
  rows = []
  for source in sources:
    stream = None
    if source == 'pipeline':
      stream = TrainStream(split, batch_size, 0, put, prefetch=2)
      batches = stream
    else:
      batches = iter(lambda: first, None)  # the same on-device batch forever
    try:
      for _ in range(warmup):
        state, metrics = step(state, next(batches))
      jax.block_until_ready(metrics)
      t0 = time.perf_counter()
      for _ in range(steps):
        state, metrics = step(state, next(batches))
      jax.block_until_ready(metrics)
      seconds = (time.perf_counter() - t0) / steps
    finally:
      if stream is not None:
        stream.close()
    rows.append(
        Row(
            model_name,
            dtype,
            source,
            batch_size,
            compile_s if not rows else 0.0,
            seconds,
            batch_size / seconds,
            flops,
            flops_lib.mfu(flops, seconds, table),
            flops_lib.mfu(flops, seconds, measured),
        )
    )
  return rows


def format_table(rows: list[Row], peaks: dict) -> str:
  def pct(x):
    return '-' if x is None else f'{100 * x:.1f}%'

  lines = [
      '| model | dtype | input | batch | compile s | step ms | examples/s | '
      'GFLOP/step/device | MFU (datasheet) | MFU (measured matmul) |',
      '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for r in rows:
    gflop = '-' if r.flops_per_step is None else f'{r.flops_per_step / 1e9:,.3g}'
    compiled = f'{r.compile_s:.1f}' if r.compile_s else '(same)'
    lines.append(
        f'| {r.model} | {r.dtype} | {r.source} | {r.batch_size} | {compiled} | '
        f'{1e3 * r.step_s:.1f} | {r.examples_per_s:,.0f} | {gflop} | {pct(r.mfu)} | '
        f'{pct(r.mfu_measured)} |'
    )
  lines += ['', '| dtype | datasheet peak TFLOP/s | measured matmul TFLOP/s |', '|---|---:|---:|']
  for dtype, (table, measured) in peaks.items():
    lines.append(
        f'| {dtype} | {"-" if not table else f"{table / 1e12:,.0f}"} | ' f'{measured / 1e12:,.1f} |'
    )
  return '\n'.join(lines)
