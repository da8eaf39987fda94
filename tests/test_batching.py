"""Static-shape batching: train drop_remainder, eval pad + mask, per-process slices."""

import numpy as np
import pytest

from jaxdl.data import batching


def test_train_batches_cover_each_epoch_once_and_drop_remainder():
  split = {'id': np.arange(50)}
  it = batching.train_batches(split, 16, seed=0)
  epoch0 = np.concatenate([next(it)['id'] for _ in range(3)])  # 3 = 50 // 16
  assert len(np.unique(epoch0)) == 48  # no repeats; 2 dropped
  epoch1 = np.concatenate([next(it)['id'] for _ in range(3)])
  assert not np.array_equal(epoch0, epoch1)  # new permutation


def test_train_batch_is_a_function_of_step():
  split = {'id': np.arange(50)}
  it = batching.train_batches(split, 16, seed=7)
  stream = [next(it)['id'] for _ in range(10)]
  resumed = batching.train_batches(split, 16, seed=7, start_step=6)
  for s in range(6, 10):
    np.testing.assert_array_equal(next(resumed)['id'], stream[s])


def test_process_slices_partition_the_global_batch():
  full = batching.train_batch_indices(64, 16, seed=1, step=5)
  parts = [
      batching.train_batch_indices(64, 16, seed=1, step=5, process_index=p, process_count=4)
      for p in range(4)
  ]
  np.testing.assert_array_equal(np.concatenate(parts), full)


@pytest.mark.parametrize('n, bs', [(37, 16), (32, 16), (5, 8), (100, 7)])
def test_eval_batches_count_every_example_once(n, bs):
  split = {'id': np.arange(n), 'label': np.arange(n) % 3}
  seen = []
  for b in batching.eval_batches(split, bs):
    assert len(b['id']) == bs and len(b['mask']) == bs  # static shapes
    seen.extend(b['id'][b['mask'] == 1].tolist())
  assert sorted(seen) == list(range(n))


def test_batch_larger_than_split_is_an_error():
  with pytest.raises(ValueError, match='larger than the training split'):
    batching.steps_per_epoch(10, 16)
