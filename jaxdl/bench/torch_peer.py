"""jaxdl's train step against the PyTorch step a user would write instead (notes 4.8-4.9).

The same architecture (LeNet-5 at 32x32x1, CIFAR ResNet-18 at 32x32x3), batch,
float32 and Adam on both sides, on the same CPU, in the same run. Each round
times `steps` jaxdl steps and then `steps` PyTorch steps; the median over
rounds is reported, so load from other processes hits both sides alike.

PyTorch runs in a child process of its own (`TorchProcess`), started the way
a PyTorch user starts it: jaxdl's launchers tune glibc malloc for their whole
process (jaxdl.cpu.host_memory), which would also change PyTorch's speed, so a
shared process would not time the PyTorch a user runs.
`torch_malloc='tuned'` gives the child host_memory's one-CPU settings (one
arena, high thresholds) on any number of CPUs: PyTorch, which allocates from
one thread, gains from them where jaxdl's threads would queue on the lock
(MALLOC_ARENA_MAX=1 and the two thresholds would give a PyTorch user the
same).
PyTorch is not a jaxdl dependency: when it is missing, its columns read
'not installed' and only jaxdl is timed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib.util
import multiprocessing
import os
import statistics
import time

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from jaxdl.cpu import host_memory
from jaxdl.models.registry import build_model
from jaxdl.optim.factory import make_optimizer
from jaxdl.parallel import mesh as mesh_lib
from jaxdl.train.config_check import require_flag
from jaxdl.train.state import create_train_state
from jaxdl.train.steps import jit_train_step
from jaxdl.train.task import classification_task

# name -> (registry name, model fields, input shape without batch, classes).
MODELS = {
    # The zoo's default: on CPU its convolutions are banded (Toeplitz) matrix
    # products (jaxdl.cpu.banded_conv).
    'lenet5': ('lenet5', {}, (32, 32, 1), 10),
    # The same LeNet-5 with XLA's convolution (nn.Conv) ...
    'lenet5_xla': ('lenet5', {'conv_impl': 'xla'}, (32, 32, 1), 10),
    # ... and with convolutions as patch matmuls (jaxdl.cpu.patch_conv).
    'lenet5_patches': ('lenet5', {'conv_impl': 'patches'}, (32, 32, 1), 10),
    'cifar_resnet18': ('cifar_resnet18', {}, (32, 32, 3), 10),
}


def check_flags(
    models,
    *,
    batch_size: int,
    steps: int,
    rounds: int,
    num_devices: int,
    cores: int,
    host_devices: int,
) -> None:
  """launch/bench_vs_torch.py's flags, before jax starts (no device is needed).

  Raises:
    ConfigError naming the flag.
  """
  unknown = [m for m in models if m not in MODELS]
  require_flag(
      bool(models) and not unknown,
      'models',
      ','.join(models),
      f'must be a comma-separated list of models from {", ".join(sorted(MODELS))}',
  )
  for flag, value in (('batch_size', batch_size), ('steps', steps), ('rounds', rounds)):
    require_flag(value >= 1, flag, value, 'must be >= 1')
  require_flag(num_devices >= 0, 'num_devices', num_devices, 'must be >= 0 (0: all)')
  usable = len(os.sched_getaffinity(0))
  require_flag(
      0 <= cores <= usable, 'cores', cores, f'must be in [0, {usable}] (0: every usable CPU)'
  )
  require_flag(
      host_devices >= 0, 'host_devices', host_devices, 'must be >= 0 (0: one XLA CPU device)'
  )


def check_devices(batch_size: int, num_devices: int) -> None:
  """After jax starts: the mesh size exists and divides the batch."""
  available = jax.device_count()
  require_flag(
      num_devices <= available, 'num_devices', num_devices, f'must be in [0, {available}] (0: all)'
  )
  devices = num_devices or available
  require_flag(
      batch_size % devices == 0,
      'batch_size',
      batch_size,
      f'must be divisible by the number of devices ({devices})',
  )


def torch_available() -> bool:
  """Whether `import torch` would succeed (without importing it)."""
  return importlib.util.find_spec('torch') is not None


@dataclasses.dataclass
class Row:
  model: str
  batch_size: int
  jax_images_per_s: float  # median over rounds
  torch_images_per_s: float | None  # None: PyTorch not installed
  jax_rounds: list[float]  # images/s of every round
  torch_rounds: list[float]

  @property
  def ratio(self) -> float | None:
    """jaxdl / PyTorch throughput; > 1 means jaxdl is faster."""
    if not self.torch_images_per_s:
      return None
    return self.jax_images_per_s / self.torch_images_per_s


def _batch(name: str, batch_size: int, seed: int = 0):
  _, _, shape, classes = MODELS[name]
  rng = np.random.default_rng(seed)
  images = rng.uniform(size=(batch_size, *shape)).astype(np.float32)
  labels = rng.integers(0, classes, batch_size).astype(np.int32)
  return images, labels


class JaxTimer:
  """jaxdl's own data-parallel train step (the core's jit_train_step) with Adam."""

  def __init__(self, name: str, batch_size: int, num_devices: int = 0, dtype=jnp.float32):
    registry_name, fields, shape, classes = MODELS[name]
    model = build_model(registry_name, classes, dtype=dtype, **fields)
    self.mesh = mesh_lib.make_mesh(num_devices)
    mesh_lib.check_batch_size(batch_size, self.mesh)
    tx = make_optimizer(ml_collections.ConfigDict({'name': 'adam', 'learning_rate': 1e-3}), 1, 1)
    stats = {'mean': np.zeros(shape[-1], np.float32), 'std': np.ones(shape[-1], np.float32)}
    init = jax.jit(
        functools.partial(create_train_state, model, tx),
        out_shardings=mesh_lib.replicated(self.mesh),
    )
    self.state = init(jnp.zeros((1, *shape)), jax.random.key(0), stats)
    images, labels = _batch(name, batch_size)
    self.batch = mesh_lib.shard_batch({'image': images, 'label': labels}, self.mesh)
    self.step = jit_train_step(self.mesh, task=classification_task(classes))
    self.run(2)  # compile and warm up

  def run(self, steps: int) -> float:
    """Seconds for `steps` steps, waiting for the last one."""
    t0 = time.perf_counter()
    state = self.state
    for _ in range(steps):
      state, metrics = self.step(state, self.batch)
    jax.block_until_ready((state, metrics))
    self.state = state
    return time.perf_counter() - t0


def torch_models():
  """PyTorch twins of the two benchmark models, built only when torch exists."""
  import torch
  from torch import nn

  class LeNet5(nn.Module):

    def __init__(self):
      super().__init__()
      self.body = nn.Sequential(
          nn.Conv2d(1, 6, 5),
          nn.ReLU(),
          nn.MaxPool2d(2),
          nn.Conv2d(6, 16, 5),
          nn.ReLU(),
          nn.MaxPool2d(2),
          nn.Flatten(),
          nn.Linear(400, 120),
          nn.ReLU(),
          nn.Linear(120, 84),
          nn.ReLU(),
          nn.Linear(84, 10),
      )

    def forward(self, x):
      return self.body(x)

  class Block(nn.Module):

    def __init__(self, cin, cout, stride):
      super().__init__()
      self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
      self.bn1 = nn.BatchNorm2d(cout)
      self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
      self.bn2 = nn.BatchNorm2d(cout)
      self.proj = None
      if stride != 1 or cin != cout:
        self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
      y = torch.relu(self.bn1(self.conv1(x)))
      y = self.bn2(self.conv2(y))
      return torch.relu(y + (x if self.proj is None else self.proj(x)))

  class CifarResNet18(nn.Module):

    def __init__(self):
      super().__init__()
      layers = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
      cin = 64
      for i, cout in enumerate((64, 128, 256, 512)):
        for j in range(2):
          layers.append(Block(cin, cout, 2 if i > 0 and j == 0 else 1))
          cin = cout
      layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10)]
      self.body = nn.Sequential(*layers)

    def forward(self, x):
      return self.body(x)

  return {'lenet5': LeNet5, 'cifar_resnet18': CifarResNet18}


class TorchTimer:
  """The eager PyTorch loop: zero_grad, forward, cross-entropy, backward, Adam."""

  def __init__(self, name: str, batch_size: int, threads: int = 0):
    import torch

    if threads:
      torch.set_num_threads(threads)
    torch.manual_seed(0)
    self.model = torch_models()[MODELS[name][0]]()
    self.model.train()
    self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
    images, labels = _batch(name, batch_size)
    self.x = torch.from_numpy(images.transpose(0, 3, 1, 2).copy())  # NCHW
    self.y = torch.from_numpy(labels.astype(np.int64))
    self.loss = torch.nn.CrossEntropyLoss()
    self.run(2)  # warm up (allocator, oneDNN primitive caches)

  def run(self, steps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(steps):
      self.opt.zero_grad(set_to_none=True)
      loss = self.loss(self.model(self.x), self.y)
      loss.backward()
      self.opt.step()
    loss.item()  # eager PyTorch is synchronous on CPU; read it anyway
    return time.perf_counter() - t0


TORCH_MALLOC = ('default', 'tuned')


def _torch_worker(conn, name: str, batch_size: int, threads: int, malloc: str) -> None:
  """Child process: builds a TorchTimer, then times `steps` per request."""
  if malloc == 'tuned':
    host_memory.apply_settings()  # before torch allocates anything
  timer = TorchTimer(name, batch_size, threads)
  conn.send('ready')
  while (steps := conn.recv()) is not None:
    conn.send(timer.run(steps))
  conn.close()


class TorchProcess:
  """A TorchTimer in a fresh child process (spawned, so no jaxdl tuning).

  The child inherits the CPU affinity (launch/bench_vs_torch.py --cores) and
  is stopped by `close` or at exit of the `with` block.
  """

  def __init__(self, name: str, batch_size: int, threads: int = 0, malloc: str = 'default'):
    if malloc not in TORCH_MALLOC:
      raise ValueError(f'torch_malloc must be one of {TORCH_MALLOC}, got ' f'{malloc!r}')
    ctx = multiprocessing.get_context('spawn')
    self._conn, child = ctx.Pipe()
    self._proc = ctx.Process(
        target=_torch_worker, daemon=True, args=(child, name, batch_size, threads, malloc)
    )
    self._proc.start()
    child.close()
    if self._conn.recv() != 'ready':  # waits for the warm-up
      raise RuntimeError('PyTorch worker failed to start')

  def run(self, steps: int) -> float:
    """Seconds for `steps` PyTorch steps, timed in the child."""
    self._conn.send(steps)
    return self._conn.recv()

  def close(self) -> None:
    if self._proc.is_alive():
      self._conn.send(None)
      self._proc.join(timeout=30)
    self._conn.close()

  def __enter__(self):
    return self

  def __exit__(self, *exc):
    self.close()


def compare(
    name: str,
    batch_size: int = 128,
    steps: int = 10,
    rounds: int = 3,
    num_devices: int = 0,
    use_torch: bool = True,
    dtype=jnp.float32,
    torch_threads: int = 0,
    torch_malloc: str = 'default',
) -> Row:
  """Median images/s of jaxdl and PyTorch over `rounds` interleaved rounds.

  `torch_threads` (0: PyTorch's default) should match the CPUs XLA may use
  (see launch/bench_vs_torch.py --cores) for a like-for-like run;
  `torch_malloc` is 'default' (as a PyTorch user runs it) or 'tuned'
  (jaxdl.cpu.host_memory.SETTINGS in PyTorch's process, whatever the CPU count).
  """
  if name not in MODELS:
    raise ValueError(f'model must be one of {sorted(MODELS)}, got {name!r}')
  if steps < 1 or rounds < 1:
    raise ValueError(f'steps and rounds must be >= 1, got {steps}, {rounds}')
  if torch_malloc not in TORCH_MALLOC:
    raise ValueError(f'torch_malloc must be one of {TORCH_MALLOC}, got ' f'{torch_malloc!r}')
  jt = JaxTimer(name, batch_size, num_devices, dtype)
  jr, tr = [], []
  with contextlib.ExitStack() as stack:
    tt = (
        stack.enter_context(TorchProcess(name, batch_size, torch_threads, torch_malloc))
        if use_torch and torch_available()
        else None
    )
    for _ in range(rounds):
      jr.append(steps * batch_size / jt.run(steps))
      if tt is not None:
        tr.append(steps * batch_size / tt.run(steps))
  return Row(name, batch_size, statistics.median(jr), statistics.median(tr) if tr else None, jr, tr)


def format_table(rows: list[Row]) -> str:
  """Markdown: model | batch | jaxdl img/s | PyTorch img/s | jaxdl/PyTorch."""
  lines = [
      '| model | batch | jaxdl images/s | PyTorch images/s | jaxdl / PyTorch |',
      '|---|---:|---:|---:|---:|',
  ]
  for r in rows:
    t = 'not installed' if r.torch_images_per_s is None else f'{r.torch_images_per_s:,.0f}'
    ratio = '-' if r.ratio is None else f'{r.ratio:.2f}x'
    lines.append(f'| {r.model} | {r.batch_size} | {r.jax_images_per_s:,.0f} | ' f'{t} | {ratio} |')
  return '\n'.join(lines)
