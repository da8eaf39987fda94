"""A run killed with SIGKILL mid-training resumes to the same final parameters,
and the launcher turns bad input into a one-line error and a non-zero exit."""

import os
import signal
import subprocess
import sys
import time

import jax
import numpy as np

from helpers import ROOT, small_config
from jaxdl.train import loop

STEPS = 400
OVERRIDES = dict(
    num_train_steps=STEPS, checkpoint_every_steps=20, log_every_steps=20, eval_every_steps=100
)


def _launch(workdir, *flags):
  cmd = [
      sys.executable,
      'launch/train.py',
      '--config=launch/configs/train.py:smoke',
      f'--workdir={workdir}',
      *flags,
  ]
  return subprocess.Popen(
      cmd,
      cwd=ROOT,
      stdout=subprocess.PIPE,
      stderr=subprocess.PIPE,
      env={**os.environ, 'PYTHONPATH': str(ROOT)},
  )


def _saved_steps(workdir):
  d = workdir / 'checkpoints'
  return sorted(int(p.name) for p in d.iterdir() if p.name.isdigit()) if d.exists() else []


def test_sigkill_mid_training_then_resume_matches_uninterrupted_run(tmp_path):
  killed = tmp_path / 'killed'
  proc = _launch(killed, *[f'--config.{k}={v}' for k, v in OVERRIDES.items()])
  deadline = time.time() + 300
  while time.time() < deadline and proc.poll() is None:
    steps = _saved_steps(killed)
    if steps and steps[-1] >= 40:
      proc.send_signal(signal.SIGKILL)  # no chance to clean up
      break
    time.sleep(0.02)
  proc.wait()
  assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]

  resumed = loop.train_and_evaluate(small_config(**OVERRIDES), str(killed))
  assert 0 < resumed.start_step < STEPS  # it really resumed mid-run
  straight = loop.train_and_evaluate(small_config(**OVERRIDES), str(tmp_path / 'straight'))
  assert straight.start_step == 0
  a, b = jax.device_get((resumed.state.params, straight.state.params))
  for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
    np.testing.assert_allclose(x, y, rtol=0, atol=1e-6)
  # The eval history (curves) survived the kill as well.
  assert resumed.history['step'] == straight.history['step']
  np.testing.assert_allclose(resumed.history['dev/error'], straight.history['dev/error'])


def test_rerun_of_a_finished_run_does_not_train_again(tmp_path):
  cfg = small_config(num_train_steps=20, eval_every_steps=10, checkpoint_every_steps=10)
  first = loop.train_and_evaluate(cfg, str(tmp_path))
  again = loop.train_and_evaluate(cfg, str(tmp_path))
  assert again.start_step == 20 and int(again.state.step) == 20
  assert again.final['test'] == first.final['test']


def test_launcher_bad_config_is_one_line_and_nonzero_exit(tmp_path):
  proc = _launch(tmp_path, '--config.optimizer.learning_rate=-0.5')
  _, err = proc.communicate(timeout=300)
  assert proc.returncode != 0
  last = err.decode().strip().splitlines()[-1]
  assert last.startswith('error: config.optimizer.learning_rate=-0.5: must be > 0'), last
