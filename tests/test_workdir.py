"""The run lifecycle in one process: config identity, the lock, the workdir
checks and the latest-and-best retention across restarts.

A changed experiment field on an existing workdir must stop before any
compute (no new checkpoint step, no summary) with one line naming the
field, its recorded and its new value; run fields (a longer schedule,
logging and eval periods) may change, and extending a finished run trains
the extra steps.
"""

import json

import numpy as np
import pytest

from helpers import small_config
from jaxdl.errors import ConfigChangedError, WorkdirBusyError, WorkdirError
from jaxdl.train import loop
from jaxdl.train.checkpoint import Checkpointer, LatestAndBest
from jaxdl.train.workdir import (
    CONFIG_FILE,
    WorkdirLock,
    check_config_identity,
    config_changes,
    flatten,
    nearest_names,
    prepare,
)
from procs import checkpoint_steps, final_meta

PERIODS = {
    'num_train_steps': 20,
    'log_every_steps': 5,
    'eval_every_steps': 10,
    'checkpoint_every_steps': 10,
}


@pytest.fixture(scope='module')
def finished(tmp_path_factory):
  """A finished 20-step run, copied by the tests that rerun it."""
  workdir = tmp_path_factory.mktemp('finished')
  loop.train_and_evaluate(small_config(**PERIODS), str(workdir))
  return workdir


def _copy(finished, tmp_path):
  import shutil

  return shutil.copytree(finished, tmp_path / 'run')


@pytest.mark.parametrize(
    'field,value,described',
    [
        ('seed', 1, 'seed 0 -> 1'),
        ('data.fractions', (0.5, 0.25, 0.25), 'data.fractions [] -> [0.5, 0.25, 0.25]'),
        ('model', 'mlp', "model 'cnn' -> 'mlp'"),
        ('optimizer.learning_rate', 0.1, 'optimizer.learning_rate 0.003 -> 0.1'),
    ],
)
def test_an_experiment_field_change_stops_before_any_compute(
    field, value, described, finished, tmp_path
):
  workdir = _copy(finished, tmp_path)
  before = sorted(p.name for p in workdir.rglob('*'))
  with pytest.raises(ConfigChangedError) as e:
    loop.train_and_evaluate(small_config(**PERIODS, **{field: value}), str(workdir))
  message = str(e.value)
  assert described in message and '--allow_config_change' in message, message
  assert '\n' not in message
  assert sorted(p.name for p in workdir.rglob('*')) == before  # nothing written


def test_allow_config_change_continues_and_records_the_new_config(finished, tmp_path):
  workdir = _copy(finished, tmp_path)
  config = small_config(**{**PERIODS, 'num_train_steps': 30, 'optimizer.learning_rate': 0.01})
  loop.train_and_evaluate(config, str(workdir), allow_config_change=True)
  assert checkpoint_steps(workdir)[-1] == 30
  assert json.loads((workdir / CONFIG_FILE).read_text())['optimizer.learning_rate'] == 0.01


def test_extending_a_finished_run_trains_the_extra_steps(finished, tmp_path):
  workdir = _copy(finished, tmp_path)
  old = final_meta(workdir)
  result = loop.train_and_evaluate(small_config(**{**PERIODS, 'num_train_steps': 30}), str(workdir))
  assert checkpoint_steps(workdir)[-1] == 30
  new = final_meta(workdir)
  assert new['history']['step'] == [10, 20, 30]
  assert new['history']['dev/error'][:2] == old['history']['dev/error']  # the first 20 kept
  assert new['history']['train_batch']['step'] == [5, 10, 15, 20, 25, 30]
  assert new['integrity']['state'] != old['integrity']['state']  # and 10 more were trained
  assert 'error' in result.final['dev']


def test_a_rerun_with_only_run_fields_changed_is_allowed(finished, tmp_path):
  workdir = _copy(finished, tmp_path)
  steps = checkpoint_steps(workdir)
  loop.train_and_evaluate(
      small_config(**{**PERIODS, 'log_every_steps': 2, 'eval_every_steps': 5, 'eval_train': False}),
      str(workdir),
  )
  assert checkpoint_steps(workdir) == steps  # finished: nothing more to train


def test_config_changes_ignores_run_fields_and_sees_added_and_removed_keys():
  recorded = flatten({'seed': 0, 'num_epochs': 2, 'data': {'fractions': [0.6, 0.2, 0.2]}})
  current = flatten(
      {'seed': 0, 'num_epochs': 9, 'data': {'fractions': [0.8, 0.1, 0.1]}, 'extra': 1}
  )
  assert config_changes(recorded, current) == ['data.fractions', 'extra']
  assert config_changes(recorded, current, run_fields={'data.fractions', 'extra'}) == ['num_epochs']


def test_identity_of_a_fresh_workdir_is_recorded_without_a_check(tmp_path):
  check_config_identity(str(tmp_path), small_config(seed=3), resuming=False)
  check_config_identity(str(tmp_path), small_config(seed=4), resuming=False)  # no checkpoints
  assert json.loads((tmp_path / CONFIG_FILE).read_text())['seed'] == 4
  with pytest.raises(ConfigChangedError, match='seed 4 -> 5'):
    check_config_identity(str(tmp_path), small_config(seed=5), resuming=True, allow_change=False)


def test_an_unreadable_recorded_config_is_replaced(tmp_path):
  (tmp_path / CONFIG_FILE).write_text('{"seed": ')  # a write cut short by an old crash
  check_config_identity(str(tmp_path), small_config(), resuming=True, allow_change=False)
  assert json.loads((tmp_path / CONFIG_FILE).read_text())['seed'] == 0


def test_a_second_lock_on_the_workdir_names_the_holder(tmp_path):
  first = WorkdirLock(str(tmp_path))
  first.acquire()
  try:
    with pytest.raises(WorkdirBusyError, match=r'in use by pid \d+ on '):
      WorkdirLock(str(tmp_path)).acquire()
  finally:
    first.release()
  second = WorkdirLock(str(tmp_path))  # released: the next run gets it
  second.acquire()
  second.release()


def test_a_workdir_that_is_a_file_is_one_line(tmp_path):
  (tmp_path / 'f').write_text('x')
  for path in (tmp_path / 'f', tmp_path / 'f' / 'run'):
    with pytest.raises(WorkdirError, match='must be a directory'):
      prepare(str(path))


def test_nearest_names_suggests_the_closest_fields():
  names = ['optimizer.learning_rate', 'optimizer.name', 'batch_size', 'seed']
  assert nearest_names('optimizer.learnig_rate', names)[0] == 'optimizer.learning_rate'
  assert nearest_names('batch_sise', names) == ['batch_size']


class _Ckpt:

  def __init__(self, step, metrics):
    self.step, self.metrics = step, metrics


def test_latest_and_best_policy_by_hand():
  ckpts = [
      _Ckpt(10, {'dev/error': 0.3}),
      _Ckpt(20, {'dev/error': 0.1}),
      _Ckpt(25, {}),
      _Ckpt(30, {'dev/error': 0.1}),
      _Ckpt(40, {'dev/error': 0.2}),
      _Ckpt(50, {}),
  ]
  policy = LatestAndBest(keep_latest=2, keep_best=1, metric='dev/error', mode='min')
  kept = [c.step for c, k in zip(ckpts, policy.should_preserve(ckpts, context=None)) if k]
  assert kept == [20, 40, 50]  # newest two, and the earlier of the tied best
  policy = LatestAndBest(keep_latest=1, keep_best=2, metric='dev/error', mode='max')
  kept = [c.step for c, k in zip(ckpts, policy.should_preserve(ckpts, context=None)) if k]
  assert kept == [10, 40, 50]


def test_retention_holds_across_a_restart(tmp_path):
  """Best and latest survive reopening: the metrics are read back from disk."""
  state = {'w': np.arange(4, dtype=np.float32)}
  errors = {10: 0.5, 20: 0.1, 30: 0.4}
  ckpt = Checkpointer(str(tmp_path), keep_latest=2, keep_best=1)
  for step, err in errors.items():
    ckpt.save(step, {'w': state['w'] + step}, {'step': step}, {'dev/error': err})
  ckpt.wait()
  ckpt.close()

  ckpt = Checkpointer(str(tmp_path), keep_latest=2, keep_best=1)  # a rerun
  assert ckpt.steps() == [20, 30]
  for step, err in {40: 0.3, 50: 0.2}.items():
    ckpt.save(step, {'w': state['w'] + step}, {'step': step}, {'dev/error': err})
  ckpt.save(60, {'w': state['w'] + 60}, {'step': 60})  # a checkpoint-period save: no metrics
  ckpt.wait()
  assert ckpt.steps() == [20, 50, 60]
  assert ckpt.best_step() == 20
  restored, meta = ckpt.restore_best({'w': state['w']})
  np.testing.assert_array_equal(restored['w'], state['w'] + 20)
  assert meta['step'] == 20
  restored, meta = ckpt.restore_latest({'w': state['w']})
  np.testing.assert_array_equal(restored['w'], state['w'] + 60)
  ckpt.close()
