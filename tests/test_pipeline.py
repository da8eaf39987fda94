"""The input pipeline (jaxdl.data.pipeline) against hand-built references.

The batch of a step must be the same whatever the process layout and the
number of worker processes, a resumed stream must continue with exactly the
batches an uninterrupted one yields, evaluation must count every example
once, and the streamed statistics must equal numpy's over the same rows.
"""

import numpy as np
import pytest

from jaxdl.data import batching
from jaxdl.data.normalize import fit_input_stats, fit_source_stats
from jaxdl.data.pipeline import EvalBatchReader, TrainBatchReader, TrainStream, eval_stream
from jaxdl.data.sources import ArraySource, SubsetSource, materialize


class ListSource:
  """A record-by-record source (as TFDS's data_source is), counting reads."""

  def __init__(self, split):
    self.split = split
    self.reads = []

  def __len__(self):
    return len(next(iter(self.split.values())))

  def read(self, indices):
    self.reads.extend(int(i) for i in indices)
    return [{k: v[int(i)] for k, v in self.split.items()} for i in indices]


def _split(n=103, side=4):
  rng = np.random.default_rng(0)
  return {
      'image': rng.integers(0, 256, (n, side, side, 3), dtype=np.uint8),
      'label': np.arange(n, dtype=np.int32),
  }


def test_each_process_reads_only_its_share_and_together_the_whole_epoch():
  split = _split()
  batch, steps = 20, 5  # 103 // 20 = 5 steps per epoch, 3 examples dropped
  reads = []
  for p in range(2):
    source = ListSource(split)
    reader = TrainBatchReader(source, batch, seed=3, process_index=p, process_count=2)
    for step in range(steps):
      reader(step)
    reads.append(source.reads)
  assert not set(reads[0]) & set(reads[1])  # no example read by both
  used = batching.epoch_permutation(103, 3, 0)[: batch * steps]
  assert sorted(reads[0] + reads[1]) == sorted(used.tolist())  # the epoch, once


def test_global_batch_is_the_same_for_any_number_of_processes():
  split = _split()
  one = TrainBatchReader(ArraySource(split), 20, seed=1)
  for step in (0, 4, 5, 12):  # across epoch boundaries
    parts = [TrainBatchReader(ListSource(split), 20, 1, p, 4)(step) for p in range(4)]
    joined = {k: np.concatenate([b[k] for b in parts]) for k in split}
    reference = {k: v[batching.train_batch_indices(103, 20, 1, step)] for k, v in split.items()}
    for k in split:
      np.testing.assert_array_equal(joined[k], reference[k])
      np.testing.assert_array_equal(one(step)[k], reference[k])
  assert one(0)['image'].dtype == np.uint8  # images stay uint8 on the host


def _flip_transform(example, rng):
  out = dict(example)
  if rng.random() < 0.5:
    out['image'] = example['image'][:, ::-1]
  return out


def test_per_example_randomness_does_not_depend_on_the_process_layout():
  split = _split()
  one = TrainBatchReader(ListSource(split), 20, 2, transform=_flip_transform)(7)
  parts = [
      TrainBatchReader(ListSource(split), 20, 2, p, 2, transform=_flip_transform)(7)
      for p in range(2)
  ]
  np.testing.assert_array_equal(np.concatenate([b['image'] for b in parts]), one['image'])
  flipped = [
      not np.array_equal(a, b)
      for a, b in zip(one['image'], split['image'][batching.train_batch_indices(103, 20, 2, 7)])
  ]
  assert 3 <= sum(flipped) <= 17  # about half of 20


def _labels(stream, n):
  out = [np.asarray(next(stream)['label']) for _ in range(n)]
  return out


@pytest.mark.parametrize('workers', [0, 2])
def test_a_resumed_stream_continues_with_the_uninterrupted_batches(workers):
  split = _split()
  kw = dict(put=lambda b: b, num_workers=workers, transform=_flip_transform)
  straight = TrainStream(split, 10, 5, **kw)
  expected = _labels(straight, 14)
  straight.close()

  first = TrainStream(split, 10, 5, **kw)
  head = _labels(first, 6)  # mid-epoch: 10 steps per epoch
  state = first.checkpoint_state()
  first.close()
  assert state['step'] == 6 and state['num_workers'] == workers
  resumed = TrainStream(split, 10, 5, start_step=6, resume=state, **kw)
  tail = _labels(resumed, 8)
  resumed.close()
  for a, b in zip(head + tail, expected):
    np.testing.assert_array_equal(a, b)
  # Another worker count (a changed layout) positions by step: same batches.
  other = TrainStream(
      split, 10, 5, start_step=6, resume=state, **{**kw, 'num_workers': 1 - min(workers, 1)}
  )
  for a, b in zip(_labels(other, 8), expected[6:]):
    np.testing.assert_array_equal(a, b)
  other.close()


@pytest.mark.parametrize('processes', [1, 2])
def test_evaluation_counts_every_example_once(processes):
  split = _split(n=37)
  seen = []
  for p in range(processes):
    reader = EvalBatchReader(ListSource(split), 8, p, processes)
    for b in range(reader.num_batches):
      batch = reader(b)
      seen.extend(batch['label'][batch['mask'] == 1].tolist())
      assert len(batch['label']) == 8 // processes
  assert sorted(seen) == list(range(37))


def test_eval_stream_yields_padded_batches_in_order():
  split = _split(n=37)
  stream = eval_stream(split, 16, lambda b: b)
  batches = list(stream)
  stream.close()
  assert [int(b['mask'].sum()) for b in batches] == [16, 16, 5]
  np.testing.assert_array_equal(np.concatenate([b['label'] for b in batches])[:37], np.arange(37))


def test_producer_errors_reach_the_consumer():
  def broken(step):
    raise OSError(5, 'Input/output error')

  from jaxdl.data import pipeline

  it = pipeline.grain_iterator(broken, 0, 10)
  prefetch = pipeline.DevicePrefetcher(it, lambda b: b)
  with pytest.raises(OSError, match='Input/output error'):
    next(prefetch)
  prefetch.close()


def test_streamed_statistics_equal_numpy_over_the_same_rows():
  split = _split(n=300)
  reference = fit_input_stats(split['image'].astype(np.float32) / 255)
  streamed = fit_source_stats(ListSource(split), 'image', chunk=7)  # every row, in chunks
  np.testing.assert_allclose(streamed['mean'], reference['mean'], rtol=1e-6)
  np.testing.assert_allclose(streamed['std'], reference['std'], rtol=1e-5)
  # A bounded sample: numpy's statistics of exactly the sampled rows.
  sampled = fit_source_stats(ListSource(split), 'image', max_examples=50, seed=4)
  rows = np.sort(np.random.default_rng([4, 7]).choice(300, 50, replace=False))
  ref = fit_input_stats(split['image'][rows].astype(np.float32) / 255)
  np.testing.assert_allclose(sampled['mean'], ref['mean'], rtol=1e-6)
  np.testing.assert_allclose(sampled['std'], ref['std'], rtol=1e-5)


def test_subset_source_and_materialize():
  split = _split(n=20)
  sub = SubsetSource(ListSource(split), np.array([3, 1, 7]))
  assert len(sub) == 3
  np.testing.assert_array_equal(materialize(sub)['label'], [3, 1, 7])
