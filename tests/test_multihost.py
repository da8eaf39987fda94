"""Multi-host training on 127.0.0.1: 2 processes x 4 CPU devices.

The job is started the way the README says (JAX_COORDINATOR_ADDRESS,
JAX_NUM_PROCESSES, JAX_PROCESS_ID and --config.distributed=True). It must
compute what one process with 8 devices computes: the same global batches
split over the same 8-device mesh, so the losses agree to float32 summation
order (1e-5) and the finished runs report the same errors. A job stopped by
SIGTERM or SIGKILL must exit (no process left waiting on its peer) and its
rerun must end bit-equal to the uninterrupted 2-process job. Every process
is ended by the fixture, whatever the outcome.
"""

import signal

import numpy as np
import pytest

from helpers import small_config
from jaxdl.train import loop
from procs import Procs, checkpoint_steps, final_meta, last_line

PERIODS = {
    'num_train_steps': 40,
    'log_every_steps': 5,
    'eval_every_steps': 10,
    'checkpoint_every_steps': 25,
}
FLAGS = ['--config=launch/configs/train.py:smoke'] + [
    f'--config.{k}={v}' for k, v in PERIODS.items()
]
TIMEOUT_S = 240


@pytest.fixture
def procs():
  p = Procs()
  yield p
  p.close()


def _finish_job(procs, job):
  results = [procs.finish(p, TIMEOUT_S) for p in job]
  for i, (rc, _, err) in enumerate(results):
    assert rc == 0, f'process {i}: {err[-3000:]}'
  return results


@pytest.fixture(scope='module')
def one_process(tmp_path_factory):
  """1 process x 8 devices (this pytest process), the reference topology."""
  workdir = tmp_path_factory.mktemp('one_process')
  loop.train_and_evaluate(small_config(**PERIODS), str(workdir))
  return workdir


@pytest.fixture(scope='module')
def two_processes(tmp_path_factory):
  """The uninterrupted 2 x 4 job."""
  workdir = tmp_path_factory.mktemp('two_processes')
  p = Procs()
  try:
    _finish_job(p, p.start_job('train', workdir, *FLAGS))
  finally:
    p.close()
  return workdir


def _curves(workdir):
  """{curve: {'step': [...], metric: [...]}}: the evaluations and the running train batches."""
  history = dict(final_meta(workdir)['history'])
  train_batch = history.pop('train_batch')
  return {'eval': history, 'train_batch': train_batch}


def test_two_processes_compute_what_one_process_with_eight_devices_computes(
    one_process, two_processes
):
  a, b = _curves(one_process), _curves(two_processes)
  assert a.keys() == b.keys() and 'train_batch' in a
  for curve in a:
    assert a[curve].keys() == b[curve].keys() and a[curve]['step'] == b[curve]['step'], curve
    for k in a[curve]:
      np.testing.assert_allclose(
          b[curve][k], a[curve][k], rtol=0, atol=1e-5, err_msg=f'{curve} {k}'
      )
  assert (two_processes / 'results.md').read_text() == (one_process / 'results.md').read_text()
  # One writer: process 0 writes the results and summaries, every process its lock.
  assert sorted(p.name for p in two_processes.glob('lock.*')) == ['lock.0', 'lock.1']


@pytest.mark.parametrize(
    'sig,stopped',
    [(signal.SIGTERM, (0, 1)), (signal.SIGKILL, (0,)), (signal.SIGKILL, (1,))],
    ids=['SIGTERM-both', 'SIGKILL-coordinator', 'SIGKILL-worker'],
)
def test_stopped_job_exits_and_its_rerun_ends_bit_equal(
    sig, stopped, tmp_path, procs, two_processes
):
  workdir = tmp_path / 'job'
  job = procs.start_job('train', workdir, *FLAGS)
  assert procs.wait_for(lambda: 10 in checkpoint_steps(workdir), job, timeout=TIMEOUT_S)
  procs.kill([job[i] for i in stopped], sig)  # a killed host: its peer must not wait forever
  for p in job:
    rc, _, err = procs.finish(p, TIMEOUT_S)  # raises if a process outlives the timeout
    assert rc != 0, last_line(err)
  steps_left = checkpoint_steps(workdir)
  assert steps_left and steps_left[-1] < 40, steps_left  # it was stopped before the end

  results = _finish_job(procs, procs.start_job('train', workdir, *FLAGS))
  assert 'resumed from' in results[0][2]
  a, b = final_meta(workdir), final_meta(two_processes)
  assert a['integrity']['state'] == b['integrity']['state'], 'final states differ'
  assert a['history'] == b['history']
  assert (workdir / 'results.md').read_text() == (two_processes / 'results.md').read_text()


def test_each_process_reads_only_its_share_of_the_epoch(procs, tmp_path):
  """The union of the rows the two processes read is the epoch, with no overlap,
  and the global batches on the mesh are the single-process ones."""
  import json
  from jaxdl.data import batching
  from multihost_reads import BATCH, N, SEED

  _finish_job(procs, procs.start_job('tests/multihost_reads.py', tmp_path))
  reads = [json.loads((tmp_path / f'reads_{i}.json').read_text()) for i in range(2)]
  assert not set(reads[0]['reads']) & set(reads[1]['reads'])
  epoch = batching.epoch_permutation(N, SEED, 0)[: (N // BATCH) * BATCH]
  assert sorted(reads[0]['reads'] + reads[1]['reads']) == sorted(epoch.tolist())
  expected = epoch.reshape(-1, BATCH)
  for r in reads:
    assert [sorted(g) for g in r['global']] == [sorted(b) for b in expected.tolist()]
