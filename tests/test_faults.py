"""Fault injection on real runs: kills, interrupted and corrupted checkpoint
writes, a second writer, a full and a read-only disk.

Each fault is followed by a rerun, and the rerun must end *bit-equal* to an
uninterrupted run: the final checkpoint's SHA-256 state fingerprint, its
eval history and results.md are compared, not approximated. The periods are
chosen like the launchers' defaults: evaluations (which checkpoint too) fall
between the checkpoint period, which is where a run with separate latest
and best directories dead-ended. The random-kill series, the file-size-limit
write error, the read-only workdir and the killed lock holder (three
launcher runs each) run with --runslow.
"""

import os
import random
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from helpers import small_config
from jaxdl.errors import CheckpointWriteError, WorkdirBusyError
from jaxdl.train import loop
from jaxdl.train.workdir import WorkdirLock
from procs import Procs, checkpoint_steps, final_meta, last_line

STEPS = 60
PERIODS = {
    'num_train_steps': STEPS,
    'log_every_steps': 5,
    'eval_every_steps': 10,
    'checkpoint_every_steps': 25,
}
FLAGS = ['--config=launch/configs/train.py:smoke'] + [
    f'--config.{k}={v}' for k, v in PERIODS.items()
]


@pytest.fixture
def procs():
  p = Procs()
  yield p
  p.close()


@pytest.fixture(scope='module')
def straight(tmp_path_factory):
  """The uninterrupted run every faulted run must reproduce exactly."""
  workdir = tmp_path_factory.mktemp('straight')
  loop.train_and_evaluate(small_config(**PERIODS), str(workdir))
  return workdir


def assert_same_run(workdir, reference):
  a, b = final_meta(workdir), final_meta(reference)
  assert a['integrity']['state'] == b['integrity']['state'], 'final states differ'
  assert a['history'] == b['history']
  assert (Path(workdir) / 'results.md').read_text() == (Path(reference) / 'results.md').read_text()


def _kill_after_step_20(procs, workdir) -> None:
  """Starts the run and SIGKILLs it once checkpoint step 20 is on disk.

  Step 20 is an eval save and the next checkpoint period is 25: the kill
  lands where a newer "best" than "latest" used to end every rerun.
  """
  proc = procs.start('train', workdir, *FLAGS)
  assert procs.wait_for(lambda: 20 in checkpoint_steps(workdir), [proc])
  procs.kill([proc])
  proc.wait()
  assert proc.returncode == -signal.SIGKILL


def test_kill_between_an_eval_save_and_a_checkpoint_resumes_bit_equal(tmp_path, procs, straight):
  workdir = tmp_path / 'killed'
  _kill_after_step_20(procs, workdir)
  rc, out, err = procs.run('train', workdir, *FLAGS)
  assert rc == 0, err[-2000:]
  assert 'resumed from' in err
  assert_same_run(workdir, straight)


def _copy_with_newest_removed(straight, tmp_path):
  """A workdir as a run killed just after writing step 50 leaves it."""
  workdir = tmp_path / 'run'
  shutil.copytree(straight, workdir)
  for step in checkpoint_steps(workdir):
    if step > 50:
      shutil.rmtree(workdir / 'checkpoints' / str(step))
  (workdir / 'results.md').unlink()
  return workdir


def _break(checkpoint: Path, fault: str) -> None:
  files = sorted(p for p in checkpoint.rglob('*') if p.is_file())
  data = [p for p in files if p.parent.name == 'd']
  if fault == 'interrupted_write':  # what orbax leaves when killed mid-write
    tmp = checkpoint.with_name(checkpoint.name + '.orbax-checkpoint-tmp')
    checkpoint.rename(tmp)
    for p in sorted(tmp.rglob('*'))[len(files) // 2 :]:
      if p.is_file():
        p.unlink()
  elif fault == 'truncated':
    for p in data:
      with open(p, 'r+b') as f:
        f.truncate(max(1, p.stat().st_size // 3))
  elif fault == 'bit_flip':
    biggest = max(data, key=lambda p: p.stat().st_size)
    raw = bytearray(biggest.read_bytes())
    raw[len(raw) // 2] ^= 0x04
    biggest.write_bytes(bytes(raw))
  elif fault == 'missing_state':
    shutil.rmtree(checkpoint / 'state')
  elif fault == 'edited_meta':
    meta = checkpoint / 'meta' / 'metadata'
    meta.write_text(meta.read_text().replace('"finished": false', '"finished": true'))
  elif fault == 'empty_files':
    for p in files:
      p.write_bytes(b'')
  else:
    raise ValueError(fault)


@pytest.mark.parametrize(
    'fault',
    ['interrupted_write', 'truncated', 'bit_flip', 'missing_state', 'edited_meta', 'empty_files'],
)
def test_a_broken_newest_checkpoint_is_skipped_and_the_rerun_is_bit_equal(
    tmp_path, straight, fault, caplog
):
  workdir = _copy_with_newest_removed(straight, tmp_path)
  newest = checkpoint_steps(workdir)[-1]
  assert newest == 50
  _break(workdir / 'checkpoints' / str(newest), fault)
  result = loop.train_and_evaluate(small_config(**PERIODS), str(workdir))
  if fault != 'interrupted_write':  # a temporary directory is not a checkpoint at all
    warnings = [r.getMessage() for r in caplog.records if 'unusable' in r.getMessage()]
    assert len(warnings) == 1 and f'checkpoints/{newest} is unusable' in warnings[0]
    assert (workdir / 'checkpoints_corrupt' / str(newest)).is_dir()
  assert result.start_step < newest
  assert_same_run(workdir, straight)


def test_a_second_writer_gets_one_line_naming_the_holder(tmp_path, procs):
  workdir = tmp_path / 'busy'
  workdir.mkdir()
  lock = WorkdirLock(str(workdir))
  lock.acquire()
  try:
    rc, _, err = procs.run('train', workdir, *FLAGS)
    assert rc != 0
    assert last_line(err).startswith(f'error: workdir {workdir} is in use by pid {os.getpid()}')
    with pytest.raises(WorkdirBusyError, match=f'pid {os.getpid()}'):
      loop.train_and_evaluate(small_config(**PERIODS), str(workdir))
  finally:
    lock.release()
  assert not checkpoint_steps(workdir)  # nothing was written by either


@pytest.mark.slow
def test_a_killed_holder_leaves_no_stale_lock(tmp_path, procs, straight):
  workdir = tmp_path / 'stale'
  proc = procs.start('train', workdir, *FLAGS)
  assert procs.wait_for(lambda: checkpoint_steps(workdir), [proc])
  procs.kill([proc])
  proc.wait()
  lock = WorkdirLock(str(workdir))
  lock.acquire()  # the kernel dropped the dead process's flock
  lock.release()


# Full and read-only disks: a small tmpfs where this user may mount one (root
# in a container with the capability), otherwise a file-size limit stands in
# for the full disk and permissions for the read-only one.


def _mount_tmpfs(path: Path, size: str) -> bool:
  path.mkdir(parents=True)
  if os.geteuid() != 0 or not shutil.which('mount'):
    return False
  return (
      subprocess.run(
          ['mount', '-t', 'tmpfs', '-o', f'size={size}', 'tmpfs', str(path)], capture_output=True
      ).returncode
      == 0
  )


@pytest.fixture
def small_disk(tmp_path):
  mnt = tmp_path / 'disk'
  mounted = _mount_tmpfs(mnt, '24m')
  yield mnt, mounted
  if mounted:
    subprocess.run(['umount', '-l', str(mnt)], capture_output=True)


def _fill(directory: Path) -> Path:
  filler = directory / 'filler'
  with open(filler, 'wb') as f:
    try:
      while True:
        f.write(b'\0' * (1 << 20))
        f.flush()
    except OSError:
      pass
  return filler


def test_a_full_disk_mid_run_is_one_line_and_a_rerun_after_freeing_resumes(
    small_disk, procs, straight
):
  mnt, mounted = small_disk
  if not mounted:
    pytest.skip(
        'needs a small filesystem (root with mount); the file-size-limit '
        'variant below covers the write error'
    )
  workdir = mnt / 'run'
  proc = procs.start('train', workdir, *FLAGS)
  assert procs.wait_for(lambda: 20 in checkpoint_steps(workdir), [proc])
  filler = _fill(mnt)  # the disk fills while the run trains
  rc, _, err = procs.finish(proc)
  assert rc == 1, err[-3000:]
  line = last_line(err)
  assert line.startswith('error: cannot write checkpoint step') and 'No space left' in line, line
  assert 'Traceback' not in err
  kept = checkpoint_steps(workdir)
  assert kept and kept[-1] >= 20
  filler.unlink()
  rc, _, err = procs.run('train', workdir, *FLAGS)
  assert rc == 0, err[-2000:]
  assert_same_run(workdir, straight)


@pytest.mark.slow
def test_a_write_error_keeps_the_last_checkpoint_and_a_rerun_finishes(tmp_path, procs, straight):
  """RLIMIT_FSIZE makes every write past a size fail (EFBIG), as a full disk would."""
  import resource

  workdir = tmp_path / 'limited'
  _kill_after_step_20(procs, workdir)
  # Every file of a checkpoint is written whole, so a 1-byte limit fails the
  # first write of the rerun's next checkpoint (and the event file's growth).
  limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1))  # noqa: E731
  rc, _, err = procs.run('train', workdir, *FLAGS, preexec_fn=limit)
  assert rc != 0
  assert last_line(err).startswith('error: ') and 'Traceback' not in err, err[-3000:]
  assert 20 in checkpoint_steps(workdir)
  rc, _, err = procs.run('train', workdir, *FLAGS)
  assert rc == 0, err[-2000:]
  assert_same_run(workdir, straight)


@pytest.mark.slow
def test_a_read_only_workdir_is_one_line_and_resumes_once_writable(small_disk, procs, straight):
  mnt, mounted = small_disk
  workdir = mnt / 'run'
  _kill_after_step_20(procs, workdir)
  if mounted:
    subprocess.run(['mount', '-o', 'remount,ro', str(mnt)], check=True)
  elif os.geteuid() != 0:
    for p in [workdir, *workdir.rglob('*')]:
      p.chmod(p.stat().st_mode & ~0o222)
  else:
    pytest.skip('root without mount: permissions do not bind root')
  try:
    rc, _, err = procs.run('train', workdir, *FLAGS)
    assert rc == 1
    assert last_line(err) == (
        f'error: workdir {workdir} cannot be used: '
        f'{"Read-only file system" if mounted else "Permission denied"}'
    )
  finally:
    if mounted:
      subprocess.run(['mount', '-o', 'remount,rw', str(mnt)], check=True)
    else:
      for p in [workdir, *workdir.rglob('*')]:
        p.chmod(p.stat().st_mode | 0o200)
  rc, _, err = procs.run('train', workdir, *FLAGS)
  assert rc == 0, err[-2000:]
  assert_same_run(workdir, straight)


def test_checkpoint_write_error_names_the_last_good_step():
  e = CheckpointWriteError('/w/checkpoints', 30, 'OSError: [Errno 28] No space left', 20)
  assert str(e) == (
      'cannot write checkpoint step 30 in /w/checkpoints: OSError: [Errno 28] '
      'No space left; the last good checkpoint (step 20) is intact; rerun to '
      'resume once the cause is fixed'
  )


# Launcher flags for the random-kill series: evaluations (which checkpoint)
# fall between the checkpoint periods in both; long enough for many kills.
SERIES = {
    'train': FLAGS + ['--config.num_train_steps=200'],
    'detect': [
        '--config=launch/configs/detect.py:smoke',
        '--config.num_train_steps=64',
        '--config.log_every_steps=2',
        '--config.eval_every_steps=4',
        '--config.checkpoint_every_steps=10',
    ],
}


@pytest.mark.slow
@pytest.mark.parametrize('launcher,seed', [('train', 0), ('train', 1), ('detect', 0)])
def test_random_kill_series_always_finishes_bit_equal(launcher, seed, tmp_path, procs):
  """SIGKILL at random moments, half of them while a checkpoint is being
  written (a temporary directory exists), until a rerun finishes."""
  import time

  flags = SERIES[launcher]
  reference = tmp_path / 'straight'
  began = time.time()
  rc, _, err = procs.run(launcher, reference, *flags)
  assert rc == 0, err[-2000:]
  wall = time.time() - began
  rng = random.Random(seed)
  workdir = tmp_path / 'series'
  kills = during_write = 0
  for attempt in range(40):
    proc = procs.start(launcher, workdir, *flags)
    if rng.random() < 0.5:

      def writing():
        d = workdir / 'checkpoints'
        return d.exists() and any('tmp' in p.name for p in d.iterdir())

      hit = procs.wait_for(writing, [proc], timeout=120, poll=0.001)
      during_write += hit
    else:
      procs.wait_for(lambda: False, [proc], timeout=rng.uniform(0.1, 0.6) * wall)
    if proc.poll() is not None:
      break
    procs.kill([proc])
    proc.wait()
    kills += 1
  rc, _, err = procs.run(launcher, workdir, *flags)  # finishes, or re-reports a finished run
  assert rc == 0, err[-2000:]
  assert kills >= 5, kills
  print(
      f'{launcher} seed {seed}: {kills} kills, {during_write} during a checkpoint write, '
      f'{len(list((workdir / "checkpoints_corrupt").glob("*")))} steps quarantined'
  )
  assert_same_run(workdir, reference)
