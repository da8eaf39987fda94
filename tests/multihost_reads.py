"""One process of a 2-process job: which examples does it read in an epoch?

Run by tests/test_multihost.py with the JAX_* variables of a job on
127.0.0.1. Streams one epoch of a 103-example split (labels = example ids)
through the training pipeline onto the job's mesh, as launch/train.py does,
and writes to ``<workdir>/reads_<process>.json`` the ids this process read from
its source and the ids of every global batch as the devices hold them.
"""

import functools
import json
import os
import sys

import jax
import numpy as np
from jax.experimental import multihost_utils

from jaxdl.data.pipeline import TrainStream
from jaxdl.parallel import mesh as mesh_lib

N, BATCH, SEED = 103, 16, 3


class CountingSource:
  """Random access to the split, recording every row read."""

  def __init__(self, split):
    self.split, self.reads = split, []

  def __len__(self):
    return N

  def read(self, indices):
    self.reads.extend(int(i) for i in indices)
    return [{k: v[int(i)] for k, v in self.split.items()} for i in indices]


def main(out_dir):
  mesh_lib.maybe_initialize_distributed(True)
  mesh = mesh_lib.make_mesh()
  split = {'image': np.zeros((N, 2, 2, 1), np.uint8), 'label': np.arange(N, dtype=np.int32)}
  source = CountingSource(split)
  stream = TrainStream(
      source,
      BATCH,
      SEED,
      functools.partial(mesh_lib.shard_batch, mesh=mesh),
      process_index=jax.process_index(),
      process_count=jax.process_count(),
  )
  steps = N // BATCH  # one epoch; the prefetcher may read ahead into the next
  global_ids = []
  try:
    for _ in range(steps):
      batch = next(stream)
      global_ids.append(multihost_utils.process_allgather(batch['label'], tiled=True).tolist())
  finally:
    stream.close()
  with open(os.path.join(out_dir, f'reads_{jax.process_index()}.json'), 'w') as f:
    json.dump(
        {'reads': source.reads[: steps * BATCH // jax.process_count()], 'global': global_ids}, f
    )


if __name__ == '__main__':
  main(sys.argv[1].removeprefix('--workdir='))
