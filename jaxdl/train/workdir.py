"""The workdir of a run: usable, locked by one writer, tied to one config.

``open_workdir`` runs before any compute and turns every reason a workdir
cannot be used into one line: the path is a file or read-only, another
process is training in it, or the rerun changes fields that define the
experiment (which would mix two experiments in one set of checkpoints: a
redrawn split would put trained-on examples into dev and test).
"""

from __future__ import annotations

import difflib
import errno
import fcntl
import json
import os
import socket
import time
from typing import Any, Iterable

import jax
from absl import logging

from jaxdl.errors import ConfigChangedError, WorkdirBusyError, WorkdirError

CONFIG_FILE = 'config.json'
ALLOW_CHANGE_ENV = 'JAXDL_ALLOW_CONFIG_CHANGE'

# Fields a rerun may change without starting another experiment: they extend
# the run (a longer schedule trains the extra steps) or only change how it is
# observed, checkpointed, placed on devices or reported.
RUN_FIELDS = frozenset(
    {
        'num_epochs',
        'num_train_steps',
        'log_every_steps',
        'eval_every_steps',
        'checkpoint_every_steps',
        'eval_batch_size',
        'eval_train',
        'keep_best',
        'restore_best',
        'human_error',
        'num_devices',
        'distributed',
        'data.data_dir',
        'data.allow_download',
        'data_dir',
        'allow_download',
        'data.num_workers',
        'data.prefetch',
        'eval_train_examples',
        'profile_steps',
        'profile_start_step',
        # The layout of the state, not its values: a checkpoint restores onto any mesh.
        'mesh.data',
        'mesh.fsdp',
    }
)


def flatten(config) -> dict[str, Any]:
  """{'a.b': value} of a ConfigDict or dict, values JSON-normalised."""
  tree = config.to_dict() if hasattr(config, 'to_dict') else dict(config)
  out: dict[str, Any] = {}

  def walk(node, prefix):
    for k, v in node.items():
      key = f'{prefix}{k}'
      if isinstance(v, dict):
        walk(v, key + '.')
      else:
        out[key] = json.loads(json.dumps(v, default=str))

  walk(tree, '')
  return out


def config_changes(
    recorded: dict[str, Any], current: dict[str, Any], run_fields: Iterable[str] = RUN_FIELDS
) -> list[str]:
  """Names of the fields that differ and are not run fields, sorted."""
  allowed = set(run_fields)
  keys = set(recorded) | set(current)
  return sorted(
      k
      for k in keys
      if k not in allowed and recorded.get(k, '<absent>') != current.get(k, '<absent>')
  )


def _describe(recorded, current, keys: list[str], limit: int = 4) -> str:
  parts = [
      f'{k} {recorded.get(k, "<absent>")!r} -> {current.get(k, "<absent>")!r}' for k in keys[:limit]
  ]
  if len(keys) > limit:
    parts.append(f'and {len(keys) - limit} more')
  return ', '.join(parts)


def _write_json_atomic(path: str, value: dict[str, Any]) -> None:
  tmp = f'{path}.tmp.{os.getpid()}'
  with open(tmp, 'w') as f:
    json.dump(value, f, indent=1, sort_keys=True)
    f.flush()
    os.fsync(f.fileno())
  os.replace(tmp, path)


def _os_error(path: str, e: OSError) -> WorkdirError:
  cause = os.strerror(e.errno) if e.errno else str(e)
  if e.errno == errno.EEXIST or isinstance(e, (FileExistsError, NotADirectoryError)):
    cause = 'a file (or a path through a file) is in the way; it must be a directory'
  return WorkdirError(f'workdir {path} cannot be used: {cause}')


class WorkdirLock:
  """An exclusive flock on ``workdir/lock.<process>`` held for the run.

  flock is released by the kernel when the holder dies (even by SIGKILL), so
  a killed run never leaves a stale lock. Each process of a multi-host job
  takes its own index's lock, so the job's processes do not exclude each
  other but a second job on the same workdir is refused.
  """

  def __init__(self, workdir: str):
    self.path = os.path.join(workdir, f'lock.{jax.process_index()}')
    self._fd = None

  def acquire(self) -> None:
    fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
      fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
      holder = os.pread(fd, 200, 0).decode(errors='replace').strip() or 'another process'
      os.close(fd)
      raise WorkdirBusyError(
          f'workdir {os.path.dirname(self.path)} is in use by {holder}; wait for it to '
          'finish, stop it, or choose another --workdir'
      ) from None
    os.ftruncate(fd, 0)
    os.pwrite(
        fd,
        f'pid {os.getpid()} on {socket.gethostname()} since '
        f'{time.strftime("%Y-%m-%d %H:%M:%S")}\n'.encode(),
        0,
    )
    self._fd = fd

  def release(self) -> None:
    if self._fd is not None:
      os.close(self._fd)  # closing the descriptor releases the flock
      self._fd = None


def prepare(workdir: str) -> str:
  """Creates ``workdir`` and checks it is a writable directory; returns its abspath."""
  path = os.path.abspath(workdir)
  try:
    os.makedirs(path, exist_ok=True)
    if not os.path.isdir(path):
      raise NotADirectoryError(errno.ENOTDIR, 'not a directory', path)
    probe = os.path.join(path, f'.write_probe.{os.getpid()}')
    with open(probe, 'w') as f:
      f.write('ok')
    os.remove(probe)
  except OSError as e:
    raise _os_error(path, e) from None
  return path


def check_config_identity(
    workdir: str,
    config,
    *,
    resuming: bool,
    run_fields: Iterable[str] = RUN_FIELDS,
    allow_change: bool | None = None,
) -> None:
  """Records ``config`` in ``workdir/config.json``; refuses an experiment change.

  Args:
    workdir: an existing directory (see ``prepare``).
    config: the run's ConfigDict.
    resuming: True if the workdir holds checkpoints of an earlier start.
    run_fields: dotted names that may change between starts (RUN_FIELDS).
    allow_change: continue with changed fields anyway (logged); None reads
      the JAXDL_ALLOW_CONFIG_CHANGE environment variable, which the
      launchers' --allow_config_change flag sets.

  Raises:
    ConfigChangedError: resuming and a field outside ``run_fields`` differs.
  """
  if allow_change is None:
    allow_change = os.environ.get(ALLOW_CHANGE_ENV, '') not in ('', '0')
  path = os.path.join(workdir, CONFIG_FILE)
  current = flatten(config)
  recorded = None
  if resuming and os.path.exists(path):
    try:
      with open(path) as f:
        recorded = json.load(f)
    except (OSError, ValueError) as e:
      logging.warning('%s is unreadable (%s); recording the current config', path, e)
  if recorded is not None:
    changed = config_changes(recorded, current, run_fields)
    if changed and not allow_change:
      raise ConfigChangedError(
          f'workdir {workdir} holds a run with another experiment config: '
          f'{_describe(recorded, current, changed)}; use a new --workdir, or rerun with '
          '--allow_config_change to continue these checkpoints with the new values'
      )
    if changed:
      logging.warning(
          'continuing %s with changed fields: %s',
          workdir,
          _describe(recorded, current, changed, limit=len(changed)),
      )
    extended = [
        k for k in sorted(set(run_fields) & set(current)) if recorded.get(k) != current.get(k)
    ]
    if extended:
      logging.info(
          'run fields changed since the last start: %s', _describe(recorded, current, extended)
      )
  if jax.process_index() == 0 and recorded != current:
    try:
      _write_json_atomic(path, current)
    except OSError as e:
      raise _os_error(workdir, e) from None


def nearest_names(name: str, names: Iterable[str], n: int = 3) -> list[str]:
  """The closest valid names to a mistyped one (for one-line errors)."""
  names = list(names)
  close = difflib.get_close_matches(name, names, n=n, cutoff=0.6)
  if not close:
    leaf = name.rsplit('.', 1)[-1]
    close = [k for k in names if k.rsplit('.', 1)[-1].startswith(leaf[:3])][:n]
  return close
