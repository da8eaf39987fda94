"""The input pipeline of every training run: source -> batches -> device.

    source (arrays | TFDS data_source | ArrayRecord directory)
      -> this process's share of each global batch (indices only)
      -> read + per-example host transform (decode, crop, flip)
      -> stack into a batch             [grain, optionally in worker processes]
      -> device_put onto the mesh, ``prefetch`` batches ahead  [a thread]

The batch at training step s is a pure function of (seed, s): step s of
epoch e = s // steps_per_epoch takes rows [i*B, (i+1)*B) of the epoch's
permutation, and process p of P reads only its contiguous 1/P of them, so
P processes together read exactly the rows one process would and the
per-example randomness is drawn from (seed, step, global row). The grain
iterator's state is saved with every checkpoint and restored, so a resumed
run continues with the batch an uninterrupted run would have taken, with or
without worker processes.

Images stay as the source stores them (uint8 for TFDS images) until the
jitted step converts and normalises them on the device.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Iterator

import numpy as np

from jaxdl.data import batching
from jaxdl.data.sources import Source, as_source, read_batch, stack

# Host transform of one example: (feature dict, rng) -> feature dict.
Transform = Callable[[dict[str, np.ndarray], np.random.Generator], dict[str, np.ndarray]]

# grain iterates MapDataset.range(start, _STEPS_CAP): "endless" for training.
_STEPS_CAP = 1 << 40


class TrainBatchReader:
  """step -> this process's rows of the global training batch of that step.

  Picklable (grain sends it to worker processes); each worker caches the
  permutation of the epoch it is in.
  """

  def __init__(
      self,
      source: Source,
      global_batch_size: int,
      seed: int,
      process_index: int = 0,
      process_count: int = 1,
      transform: Transform | None = None,
  ):
    self.source, self.batch_size, self.seed = source, global_batch_size, seed
    self.process_index, self.process_count = process_index, process_count
    self.transform = transform
    self.num_examples = len(source)
    self.steps_per_epoch = batching.steps_per_epoch(self.num_examples, global_batch_size)
    self._epoch, self._order = -1, None

  def __getstate__(self):
    return {**self.__dict__, '_epoch': -1, '_order': None}

  def indices(self, step: int) -> np.ndarray:
    """Source rows of this process's share of step ``step``'s batch."""
    epoch, i = divmod(int(step), self.steps_per_epoch)
    if epoch != self._epoch:
      self._epoch, self._order = epoch, batching.epoch_permutation(
          self.num_examples, self.seed, epoch
      )
    rows = self._order[i * self.batch_size : (i + 1) * self.batch_size]
    return batching.process_slice(rows, self.process_index, self.process_count)

  def __call__(self, step: int) -> dict[str, np.ndarray]:
    rows = self.indices(step)
    if self.transform is None:
      return read_batch(self.source, rows)
    first = self.process_index * len(rows)  # global position of this share's first row
    examples = self.source.read(rows)
    return stack(
        [
            self.transform(e, np.random.default_rng([self.seed, int(step), first + j]))
            for j, e in enumerate(examples)
        ]
    )


class EvalBatchReader:
  """batch number -> this process's rows of that padded evaluation batch.

  The split is padded to whole global batches; 'mask' is 1 for real rows
  and 0 for padding (which repeats row 0), so each example counts once.
  """

  def __init__(
      self,
      source: Source,
      global_batch_size: int,
      process_index: int = 0,
      process_count: int = 1,
      transform: Transform | None = None,
  ):
    if global_batch_size <= 0:
      raise ValueError(f'eval batch size must be > 0, got {global_batch_size}')
    self.source, self.batch_size = source, global_batch_size
    self.process_index, self.process_count = process_index, process_count
    self.transform = transform
    self.num_examples = len(source)
    self.num_batches = -(-self.num_examples // global_batch_size)

  def __call__(self, b: int) -> dict[str, np.ndarray]:
    rows = np.arange(b * self.batch_size, (b + 1) * self.batch_size)
    rows = batching.process_slice(rows, self.process_index, self.process_count)
    valid = rows < self.num_examples
    rows = np.where(valid, rows, 0)
    if self.transform is None:
      batch = read_batch(self.source, rows)
    else:
      rng = np.random.default_rng(0)  # eval transforms are deterministic
      batch = stack([self.transform(e, rng) for e in self.source.read(rows)])
    batch['mask'] = valid.astype(np.float32)
    return batch


def _ensure_flags_parsed() -> None:
  # grain's worker processes read absl flags; outside an absl app (a
  # notebook, pytest) they would fail with UnparsedFlagAccessError.
  from absl import flags

  if not flags.FLAGS.is_parsed():
    flags.FLAGS.mark_as_parsed()


def grain_iterator(
    read_fn: Callable[[int], Any],
    start: int,
    stop: int,
    *,
    num_workers: int = 0,
    state: dict | None = None,
):
  """A grain iterator over read_fn(start), read_fn(start + 1), ...

  ``num_workers`` > 0 runs read_fn in that many worker processes (grain's
  ``mp_prefetch``); ``state`` is an iterator state from ``get_state()`` of
  an iterator built with the same (start, num_workers).
  """
  import grain
  # grain's default (16 threads, 500 elements ahead) would hold hundreds of
  # decoded batches; one reader thread a few batches ahead keeps host memory
  # at a few batches, and worker processes are the way to more throughput.
  ds = (
      grain.MapDataset.range(start, stop)
      .map(read_fn)
      .to_iter_dataset(grain.ReadOptions(num_threads=1, prefetch_buffer_size=2))
  )
  if num_workers > 0:
    _ensure_flags_parsed()
    ds = ds.mp_prefetch(
        grain.MultiprocessingOptions(num_workers=num_workers, per_worker_buffer_size=2)
    )
  it = iter(ds)
  if state is not None:
    it.set_state(state)
  return it


class DevicePrefetcher:
  """Moves host batches to the devices in a thread, ``size`` batches ahead.

  ``state`` after ``next()`` is the grain iterator state just after the batch
  returned, i.e. what a checkpoint taken after consuming it must store.
  Exceptions of the producer are raised in the consumer.
  """

  _END = object()

  def __init__(
      self, host_iterator, put: Callable[[Any], Any], size: int = 2, limit: int | None = None
  ):
    self._it, self._put, self._limit = host_iterator, put, limit
    self._queue: queue.Queue = queue.Queue(maxsize=max(1, size))
    self._stop = threading.Event()
    self.state = host_iterator.get_state()
    self._thread = threading.Thread(target=self._produce, daemon=True, name='jaxdl-device-prefetch')
    self._thread.start()

  def _produce(self) -> None:
    produced = 0
    try:
      while not self._stop.is_set() and (self._limit is None or produced < self._limit):
        batch = next(self._it)
        item = (self._put(batch), self._it.get_state())
        produced += 1
        while not self._stop.is_set():
          try:
            self._queue.put(item, timeout=0.1)
            break
          except queue.Full:
            continue
      self._queue.put((self._END, None))
    except StopIteration:
      self._queue.put((self._END, None))
    except BaseException as e:  # noqa: BLE001  (re-raised in the consumer)
      self._queue.put((e, None))

  def __iter__(self) -> Iterator[Any]:
    return self

  def __next__(self):
    item, state = self._queue.get()
    if item is self._END:
      self._queue.put((self._END, None))
      raise StopIteration
    if isinstance(item, BaseException):
      raise item
    self.state = state
    return item

  def close(self) -> None:
    self._stop.set()
    while self._thread.is_alive():
      try:
        self._queue.get(timeout=0.05)
      except queue.Empty:
        pass
    self._thread.join(timeout=5)


def eval_stream(
    split,
    global_batch_size: int,
    put: Callable[[Any], Any],
    *,
    process_index: int = 0,
    process_count: int = 1,
    transform: Transform | None = None,
    num_workers: int = 0,
    prefetch: int = 2,
) -> DevicePrefetcher:
  """The padded evaluation batches of ``split``, on the devices, prefetched."""
  reader = EvalBatchReader(
      as_source(split), global_batch_size, process_index, process_count, transform
  )
  it = grain_iterator(reader, 0, reader.num_batches, num_workers=num_workers)
  return DevicePrefetcher(it, put, prefetch)


class TrainStream:
  """Training batches from ``start_step`` on, on the devices, prefetched.

  ``checkpoint_state()`` is the JSON-able record of where the stream is
  after the last batch taken; pass it back as ``resume`` to continue there.
  """

  def __init__(
      self,
      split,
      global_batch_size: int,
      seed: int,
      put: Callable[[Any], Any],
      *,
      start_step: int = 0,
      process_index: int = 0,
      process_count: int = 1,
      transform: Transform | None = None,
      num_workers: int = 0,
      prefetch: int = 2,
      resume: dict | None = None,
  ):
    self.reader = TrainBatchReader(
        as_source(split), global_batch_size, seed, process_index, process_count, transform
    )
    layout = {'process_count': process_count, 'num_workers': num_workers}
    state = None
    start = start_step
    if resume and {k: resume.get(k) for k in layout} == layout and resume.get('step') == start_step:
      start, state = resume['start'], resume['grain']
    # The state indexes steps, not examples, so it is the same on every
    # process: process 0's copy (saved in the checkpoint's meta) serves all.
    self._record = {**layout, 'start': start}
    self._it = grain_iterator(self.reader, start, _STEPS_CAP, num_workers=num_workers, state=state)
    self._prefetch = DevicePrefetcher(self._it, put, prefetch)
    self.step = start_step

  def __iter__(self):
    return self

  def __next__(self):
    batch = next(self._prefetch)
    self.step += 1
    return batch

  def checkpoint_state(self) -> dict:
    return {**self._record, 'step': self.step, 'grain': self._prefetch.state}

  def close(self) -> None:
    self._prefetch.close()
