"""Launcher subprocesses for the fault and multi-host tests, always reaped.

Every process is started in its own session, so ``Procs.close`` (run by the
fixture even when a test fails or times out) kills it and anything it
spawned. Multi-process jobs talk over 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from helpers import ROOT


def free_port() -> int:
  with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    return s.getsockname()[1]


def checkpoint_steps(workdir) -> list[int]:
  d = Path(workdir) / 'checkpoints'
  return sorted(int(p.name) for p in d.iterdir() if p.name.isdigit()) if d.exists() else []


def final_meta(workdir) -> dict:
  """The JSON meta (history, early stopping, fingerprints) of the newest step."""
  step = checkpoint_steps(workdir)[-1]
  return json.loads((Path(workdir) / 'checkpoints' / str(step) / 'meta' / 'metadata').read_text())


def last_line(text: str) -> str:
  lines = [l for l in text.strip().splitlines() if l.strip()]
  return lines[-1] if lines else ''


class Procs:
  """Starts launcher processes and guarantees they end."""

  def __init__(self):
    self.started: list[subprocess.Popen] = []

  def start(
      self,
      script: str,
      workdir,
      *flags: str,
      devices: int = 8,
      env: dict | None = None,
      preexec_fn=None,
  ) -> subprocess.Popen:
    """python launch/<script>.py --workdir=... flags, with ``devices`` CPU devices.

    A ``script`` ending in .py is a path from the repository root instead.
    """
    full_env = {
        **os.environ,
        'PYTHONPATH': str(ROOT),
        'JAX_PLATFORMS': 'cpu',
        'XLA_FLAGS': f'--xla_force_host_platform_device_count={devices}',
        **(env or {}),
    }
    path = script if script.endswith('.py') else f'launch/{script}.py'
    cmd = [sys.executable, path, f'--workdir={workdir}', *flags]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=preexec_fn,
    )
    self.started.append(proc)
    return proc

  def start_job(
      self, script: str, workdir, *flags: str, processes: int = 2, devices_per_process: int = 4
  ) -> list[subprocess.Popen]:
    """A multi-process job on 127.0.0.1 (the JAX_* variables the README names)."""
    port = free_port()
    # After flags: ml_collections reads overrides only after their --config.
    return [
        self.start(
            script,
            workdir,
            *flags,
            '--config.distributed=True',
            devices=devices_per_process,
            env={
                'JAX_COORDINATOR_ADDRESS': f'127.0.0.1:{port}',
                'JAX_NUM_PROCESSES': str(processes),
                'JAX_PROCESS_ID': str(i),
                'JAXDL_DISTRIBUTED_TIMEOUT_S': '60',
                'JAXDL_HEARTBEAT_TIMEOUT_S': '10',
            },
        )
        for i in range(processes)
    ]

  @staticmethod
  def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    """(returncode, stdout, stderr), killing the process if it overruns."""
    try:
      out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
      os.killpg(proc.pid, signal.SIGKILL)
      out, err = proc.communicate()
      raise AssertionError(f'{proc.args} ran past {timeout}s; stderr tail:\n{err[-3000:]}')
    return proc.returncode, out, err

  def run(self, script: str, workdir, *flags: str, timeout: float = 300, **kw):
    return self.finish(self.start(script, workdir, *flags, **kw), timeout)

  @staticmethod
  def wait_for(predicate, procs, timeout: float = 300, poll: float = 0.01) -> bool:
    """Polls ``predicate()`` until true; False if a process ended or time ran out."""
    deadline = time.time() + timeout
    while time.time() < deadline:
      if predicate():
        return True
      if any(p.poll() is not None for p in procs):
        return bool(predicate())
      time.sleep(poll)
    return False

  @staticmethod
  def kill(procs, sig=signal.SIGKILL) -> None:
    for p in procs:
      if p.poll() is None:
        os.killpg(p.pid, sig)

  def close(self) -> None:
    for p in self.started:
      if p.poll() is None:
        try:
          os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
          pass
      try:
        p.communicate(timeout=30)
      except (subprocess.TimeoutExpired, ValueError):
        pass
